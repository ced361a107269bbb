import type { HistoryContent, HistoryLimit, HistoryProvider, HistoryRoute } from "./history-content.ts";

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
  /** Limits of the target state that cannot come back because their consumer is gone. */
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

/**
 * Plans a rollback from `current` to `target`: providers, routes and limits return to their state in the
 * target; consumers and keys are not touched (a revoked key or a disabled consumer must never come back).
 * A target limit on a consumer that no longer exists is skipped and reported.
 */
export function planRollback(
  current: HistoryContent,
  target: HistoryContent,
  consumerIds: ReadonlySet<string>,
): RollbackPlan {
  const skipped: { kind: "limit"; id: string; reason: string }[] = [];
  const limits = target.limits.filter((l) => {
    if (l.scope !== "consumer" || consumerIds.has(l.scopeId)) return true;
    skipped.push({ kind: "limit", id: l.id, reason: `consumer ${l.scopeId} no longer exists` });
    return false;
  });
  return {
    providers: diffEntities(current.providers, target.providers),
    routes: diffEntities(current.routes, target.routes),
    limits: diffEntities(current.limits, limits),
    skipped,
  };
}

/** Whether a plan writes nothing. */
export function isEmptyPlan(p: RollbackPlan): boolean {
  return [p.providers, p.routes, p.limits].every(
    (c) => c.create.length === 0 && c.update.length === 0 && c.remove.length === 0,
  );
}
