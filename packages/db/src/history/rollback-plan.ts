import type { HistoryContent, HistoryLimit, HistoryPrice, HistoryProvider, HistoryRoute } from "./history-content.ts";

/** How one kind of entity differs between two states. */
export interface EntityChanges<T> {
  readonly create: readonly T[];
  readonly update: readonly { readonly before: T; readonly after: T }[];
  readonly remove: readonly T[];
}

/** Everything a rollback writes, and what it leaves alone and why. */
export interface RollbackPlan {
  readonly providers: EntityChanges<HistoryProvider>;
  readonly routes: EntityChanges<HistoryRoute>;
  readonly limits: EntityChanges<HistoryLimit>;
  /** Empty when the target predates the price catalog (its history has no prices to return to). */
  readonly prices: EntityChanges<HistoryPrice>;
  /** Limits of the target state that cannot come back because their consumer or group is gone. */
  readonly skipped: readonly { readonly kind: "limit"; readonly id: string; readonly reason: string }[];
}

/** Field-by-field equality of two flat records (sealed secrets compared by ciphertext). */
function same(a: object, b: object): boolean {
  return JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());
}

/** What turns `from` into `to`, entity by entity, matched by id. */
export function diffEntities<T extends { id: string }>(from: readonly T[], to: readonly T[]): EntityChanges<T> {
  const before = new Map(from.map((e) => [e.id, e]));
  const after = new Map(to.map((e) => [e.id, e]));
  return {
    create: to.filter((e) => !before.has(e.id)),
    update: to.flatMap((e) => {
      const old = before.get(e.id);
      return old && !same(old, e) ? [{ before: old, after: e }] : [];
    }),
    remove: from.filter((e) => !after.has(e.id)),
  };
}

const NO_CHANGES: EntityChanges<never> = Object.freeze({ create: [], update: [], remove: [] });

/**
 * Plans a rollback from `current` to `target`: providers, routes, limits and prices return to their state in
 * the target; consumers, groups and keys are not touched (a revoked key, a disabled consumer or a team change
 * must never come back). A target limit on a consumer or group that no longer exists is skipped and reported.
 * A target recorded before the price catalog existed leaves prices as they are.
 */
export function planRollback(
  current: HistoryContent,
  target: HistoryContent,
  existing: { readonly consumerIds: ReadonlySet<string>; readonly groupIds: ReadonlySet<string> },
): RollbackPlan {
  const skipped: { kind: "limit"; id: string; reason: string }[] = [];
  const limits = target.limits.filter((l) => {
    if (l.scope === "consumer" && !existing.consumerIds.has(l.scopeId)) {
      skipped.push({ kind: "limit", id: l.id, reason: `consumer ${l.scopeId} no longer exists` });
      return false;
    }
    if (l.scope === "consumer_group" && !existing.groupIds.has(l.scopeId)) {
      skipped.push({ kind: "limit", id: l.id, reason: `group ${l.scopeId} no longer exists` });
      return false;
    }
    return true;
  });
  return {
    providers: diffEntities(current.providers, target.providers),
    routes: diffEntities(current.routes, target.routes),
    limits: diffEntities(current.limits, limits),
    prices: target.prices === null ? NO_CHANGES : diffEntities(current.prices ?? [], target.prices),
    skipped,
  };
}

/** Whether a plan writes nothing. */
export function isEmptyPlan(p: RollbackPlan): boolean {
  return [p.providers, p.routes, p.limits, p.prices].every(
    (c) => c.create.length === 0 && c.update.length === 0 && c.remove.length === 0,
  );
}
