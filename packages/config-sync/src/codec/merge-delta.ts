import type { ConfigSnapshot } from "@switchyard/policy";
import type { ConfigDelta } from "./snapshot-delta.ts";
import { compareIds, type Entity, findById, SNAPSHOT_PARTS } from "./snapshot-parts.ts";

/** Up to this many changes in a part are patched into a copy; more are merged in one walk. */
const PATCH_LIMIT = 64;

/** The upserts of a part sorted by id, one per id (the last one given wins), each frozen as buildSnapshot does. */
function sortedUpserts<T extends Entity>(upserts: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const e of upserts) byId.set(e.id, Object.isFrozen(e) ? e : Object.freeze({ ...e }));
  return [...byId.values()].sort((a, b) => compareIds(a.id, b.id));
}

/** Removes then upserts, in a copy of `base`, by binary search: a few changes cost a few array moves. */
function patch<T extends Entity>(base: readonly T[], upserts: readonly T[], removed: readonly string[]): T[] {
  const out = base.slice();
  for (const id of removed) {
    const i = findById(out, id);
    if (i >= 0) out.splice(i, 1);
  }
  for (const e of upserts) {
    const i = findById(out, e.id);
    if (i >= 0) out[i] = e;
    else out.splice(-i - 1, 0, e);
  }
  return out;
}

/** Merges sorted upserts into `base` in one walk, dropping removed ids (an upsert of a removed id wins). */
function walk<T extends Entity>(base: readonly T[], upserts: readonly T[], removed: readonly string[]): T[] {
  const gone = new Set(removed);
  const out: T[] = [];
  let j = 0;
  for (const e of base) {
    while (j < upserts.length && (upserts[j] as T).id < e.id) out.push(upserts[j++] as T);
    if (j < upserts.length && (upserts[j] as T).id === e.id) out.push(upserts[j++] as T);
    else if (!gone.has(e.id)) out.push(e);
  }
  while (j < upserts.length) out.push(upserts[j++] as T);
  return out;
}

/**
 * The snapshot `delta` turns `base` into, as buildSnapshot would build it from the merged entity lists (sorted
 * by id, frozen), without sorting or copying anything that did not change: a part without changes is the
 * base's own list, and unchanged entities keep their objects (so the version and the encoder reuse their
 * buckets). Removals apply before upserts, so an entity both removed and upserted ends up present.
 */
export function mergeDelta(base: ConfigSnapshot, delta: ConfigDelta, schemaVersion: number): ConfigSnapshot {
  const merged: Record<string, readonly Entity[]> = {};
  for (const { part } of SNAPSHOT_PARTS) {
    const list: readonly Entity[] = base[part];
    const upserts = delta.upserts[part] as readonly Entity[];
    const removed = delta.removed[part];
    if (upserts.length === 0 && removed.length === 0) {
      merged[part] = list;
      continue;
    }
    const sorted = sortedUpserts(upserts);
    const out =
      sorted.length + removed.length <= PATCH_LIMIT ? patch(list, sorted, removed) : walk(list, sorted, removed);
    merged[part] = Object.freeze(out);
  }
  return Object.freeze({ ...base, ...merged, schemaVersion }) as ConfigSnapshot;
}
