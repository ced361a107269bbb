import { type ConfigSnapshot, type ConsistencyProblem, checkConsistency } from "@switchyard/policy";
import type { ConfigDelta } from "./snapshot-delta.ts";
import { compareIds, type Entity, findById, SNAPSHOT_PARTS, type SnapshotPart } from "./snapshot-parts.ts";

/** Parts up to this size are always checked whole: rules across them (unique aliases) cost next to nothing. */
const WHOLE_PART_MAX = 1_000;

/** Every string field of an entity but its id: the values that may name another entity. */
function* references(e: Entity): Generator<string> {
  const record = e as unknown as Record<string, unknown>;
  for (const k in record) {
    const v = record[k];
    if (k !== "id" && typeof v === "string" && v !== "") yield v;
  }
}

/**
 * Whether a string field of `e` other than its id holds one of `ids`. A plain loop over the fields: it runs over
 * every entity (300,000 at 100,000 consumers) when something was removed, where a generator costs ten times more.
 */
function namesAny(e: Entity, ids: ReadonlySet<string>): boolean {
  const record = e as unknown as Record<string, unknown>;
  for (const k in record) {
    const v = record[k];
    if (typeof v === "string" && k !== "id" && ids.has(v)) return true;
  }
  return false;
}

/**
 * Policy's consistency check for `next`, built from a consistent snapshot by `delta`, at a cost that follows
 * the change rather than the configuration. It runs policy's own `checkConsistency` (so every rule there
 * applies, including rules added later) on a smaller snapshot: the changed entities, every entity one of them
 * names by id, every entity that names a removed id, and the small parts (providers, routes) whole. Problems
 * found there are confirmed by the full check, so a rule that needs more context than this (which would report
 * a false problem) costs time, never a wrong refusal; and the full check's list is what is returned.
 *
 * What the smaller check cannot see is a clash between a changed entity and an unchanged one of a large part
 * (two keys with the same hash); the database's unique constraints rule those out on the control plane, and
 * the version proves the node holds what the control plane built. Full snapshots always get the full check.
 */
export function checkChangedConsistency(
  next: ConfigSnapshot,
  delta: ConfigDelta,
  knownSchemaVersion: number,
): ConsistencyProblem[] {
  const included = new Map<SnapshotPart, Map<string, Entity>>(SNAPSHOT_PARTS.map(({ part }) => [part, new Map()]));
  const pending: Entity[] = [];
  const include = (part: SnapshotPart, e: Entity): void => {
    const m = included.get(part) as Map<string, Entity>;
    if (m.has(e.id)) return;
    m.set(e.id, e);
    pending.push(e);
  };
  const gone = new Set<string>();
  for (const { part } of SNAPSHOT_PARTS) {
    const list: readonly Entity[] = next[part];
    if (list.length <= WHOLE_PART_MAX) for (const e of list) include(part, e);
    for (const u of delta.upserts[part] as readonly Entity[]) {
      const i = findById(list, u.id);
      if (i >= 0) include(part, list[i] as Entity);
    }
    for (const id of delta.removed[part]) if (findById(list, id) < 0) gone.add(id);
  }
  if (gone.size > 0) {
    for (const { part } of SNAPSHOT_PARTS) {
      const list = next[part] as readonly Entity[];
      for (let i = 0; i < list.length; i++) if (namesAny(list[i] as Entity, gone)) include(part, list[i] as Entity);
    }
  }
  // One level of references out of everything included, so a changed key finds its consumer.
  for (const e of pending.splice(0)) {
    for (const v of references(e)) {
      for (const { part } of SNAPSHOT_PARTS) {
        const list: readonly Entity[] = next[part];
        const i = findById(list, v);
        if (i >= 0) include(part, list[i] as Entity);
      }
    }
  }
  const parts = Object.fromEntries(
    [...included].map(([part, m]) => [part, [...m.values()].sort((a, b) => compareIds(a.id, b.id))]),
  );
  const focused = { ...next, ...parts } as ConfigSnapshot;
  if (checkConsistency(focused, knownSchemaVersion).length === 0) return [];
  return checkConsistency(next, knownSchemaVersion);
}
