import type { EntityChanges, FullHistoryEntry, HistoryEntry, HistoryProvider, RollbackPlan } from "@switchyard/db";

/** A provider as the admin API shows it from history: the credential reduced to whether one was set. */
function providerView(p: HistoryProvider) {
  const { apiKey, ...rest } = p;
  return { ...rest, hasApiKey: apiKey !== null };
}

/** One history entry: generation as a string (64-bit), counts, and for a full entry the restorable content. */
export function entryView(e: HistoryEntry | FullHistoryEntry) {
  return {
    version: e.version,
    generation: e.generation.toString(),
    createdAt: e.createdAt.toISOString(),
    counts: e.counts,
    ...("content" in e
      ? {
          providers: e.content.providers.map(providerView),
          routes: e.content.routes,
          limits: e.content.limits,
          prices: e.content.prices,
        }
      : {}),
  };
}

/** The fields that differ between two records; a credential is shown as changed, never by value. */
function changedFields(before: object, after: object) {
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(b)) {
    if (JSON.stringify(a[key]) === JSON.stringify(b[key])) continue;
    out[key] =
      key === "apiKey"
        ? { from: a[key] ? "set" : "none", to: b[key] ? "changed" : "none" }
        : { from: a[key], to: b[key] };
  }
  return out;
}

function changesView<T extends { id: string }>(c: EntityChanges<T>, view: (x: T) => unknown = (x) => x) {
  return {
    added: c.create.map(view),
    removed: c.remove.map(view),
    changed: c.update.map((u) => ({ id: u.after.id, fields: changedFields(u.before, u.after) })),
  };
}

/** A diff or rollback plan as the admin API shows it. */
export function planView(p: Omit<RollbackPlan, "skipped"> & { skipped?: RollbackPlan["skipped"] }) {
  return {
    providers: changesView(p.providers, (x) => providerView(x as HistoryProvider)),
    routes: changesView(p.routes),
    limits: changesView(p.limits),
    prices: changesView(p.prices),
    ...(p.skipped ? { skipped: p.skipped } : {}),
  };
}
