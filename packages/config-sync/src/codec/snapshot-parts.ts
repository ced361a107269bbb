import type { ConfigSnapshot } from "@switchyard/policy";
import type { RemovedIds as RemovedIdsMessage } from "@switchyard/proto";

/**
 * The entity lists of a snapshot, each with the field of the wire's `RemovedIds` that carries its removed ids.
 * Everything that works part by part (diff, merge, delta encoding, the control plane's incremental build)
 * iterates this table, so a new entity kind is one row here (plus its row in the database's part table).
 */
export const SNAPSHOT_PARTS = [
  { part: "providers", removedField: "providerIds" },
  { part: "routes", removedField: "routeIds" },
  { part: "consumers", removedField: "consumerIds" },
  { part: "groups", removedField: "groupIds" },
  { part: "apiKeys", removedField: "apiKeyIds" },
  { part: "limits", removedField: "limitIds" },
  { part: "prices", removedField: "priceIds" },
] as const satisfies readonly { part: keyof ConfigSnapshot; removedField: keyof RemovedIdsMessage }[];

/** The name of one entity list of a snapshot. */
export type SnapshotPart = (typeof SNAPSHOT_PARTS)[number]["part"];

/** An entity of any part: every entity has an id, unique within its part. */
export interface Entity {
  readonly id: string;
}

/** The order entities are kept in within a part (the order buildSnapshot sorts them in). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Index of `id` in a part sorted by id, or `-(insertion point) - 1` when absent. */
export function findById(list: readonly Entity[], id: string): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareIds((list[mid] as Entity).id, id);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}
