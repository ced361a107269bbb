import { create } from "@bufbuild/protobuf";
import { err, type Result } from "@switchyard/errors";
import type { ConfigSnapshot, SnapshotInput, VersionedSnapshot } from "@switchyard/policy";
import { type SnapshotDelta, SnapshotDeltaSchema } from "@switchyard/proto";
import type { ApplyError } from "./apply-error.ts";
import { mergeDelta } from "./merge-delta.ts";
import { runSteps } from "./run-sliced.ts";
import { checkSchemaVersion, firstInvalidValue, specsFromPayload, verifiedConfigSteps } from "./snapshot-from-proto.ts";
import { type Entity, SNAPSHOT_PARTS, type SnapshotPart } from "./snapshot-parts.ts";
import { payloadToProto } from "./snapshot-to-proto.ts";

/** Removed ids by part, as the domain sees a delta. */
export type RemovedIds = { readonly [K in SnapshotPart]: readonly string[] };

/** What turns one snapshot into another: entities to add or replace, and ids to remove. */
export interface ConfigDelta {
  readonly upserts: SnapshotInput;
  readonly removed: RemovedIds;
}

/** Entities are flat records of primitives, so comparing their own fields is an exact equality. */
function sameEntity(a: object, b: object): boolean {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = Object.keys(ra);
  return keys.length === Object.keys(rb).length && keys.every((k) => ra[k] === rb[k]);
}

/**
 * The changes from one part to another, both sorted by id (as every snapshot's parts are). One walk over both
 * lists; an entity object found in both is unchanged without looking at its fields, and snapshots built by a
 * delta or an incremental build share the objects of unchanged entities, so this costs a pointer comparison
 * per entity and nothing when the part itself is shared.
 */
export function diffPart<T extends Entity>(from: readonly T[], to: readonly T[]): { upserts: T[]; removed: string[] } {
  const upserts: T[] = [];
  const removed: string[] = [];
  if (from === to) return { upserts, removed };
  let i = 0;
  let j = 0;
  while (i < from.length || j < to.length) {
    const a = from[i];
    const b = to[j];
    if (a !== undefined && a === b) {
      i++;
      j++;
    } else if (b === undefined || (a !== undefined && a.id < b.id)) {
      removed.push((a as T).id);
      i++;
    } else if (a === undefined || b.id < a.id) {
      upserts.push(b);
      j++;
    } else {
      if (!sameEntity(a, b)) upserts.push(b);
      i++;
      j++;
    }
  }
  return { upserts, removed };
}

/** The delta from `base` to `next`, entity by entity (matched by id). */
export function diffConfig(base: ConfigSnapshot, next: ConfigSnapshot): ConfigDelta {
  const upserts: Record<string, unknown> = {};
  const removed: Record<string, unknown> = {};
  for (const { part } of SNAPSHOT_PARTS) {
    const d = diffPart<Entity>(base[part], next[part]);
    upserts[part] = d.upserts;
    removed[part] = d.removed;
  }
  return { upserts: upserts as unknown as SnapshotInput, removed: removed as unknown as RemovedIds };
}

/** How many entities a delta carries, to decide whether it is worth sending instead of the whole snapshot. */
export function deltaSize(d: ConfigDelta): number {
  return SNAPSHOT_PARTS.reduce((n, { part }) => n + d.upserts[part].length + d.removed[part].length, 0);
}

/** The wire form of a delta from `base` to `next` for one send. */
export function deltaToProto(
  base: string,
  next: VersionedSnapshot,
  delta: ConfigDelta,
  nonce: string,
  fleetSize = 0,
): SnapshotDelta {
  return create(SnapshotDeltaSchema, {
    version: next.version,
    generation: next.generation,
    nonce,
    fleetSize,
    baseVersion: base,
    upserts: payloadToProto(delta.upserts, next.config.schemaVersion),
    removed: Object.fromEntries(
      SNAPSHOT_PARTS.map(({ part, removedField }) => [removedField, [...delta.removed[part]]]),
    ),
  });
}

/**
 * Applies a delta to the snapshot the node serves. The result goes through the checks a full snapshot does,
 * including the version: a node that applied a delta holds byte for byte what a full push would have given it,
 * or it nacks. Unchanged entities keep their objects, so the version is computed from cached text and the
 * consistency check looks at what changed (see verifiedConfig). A delta for another base is refused with
 * `delta_base_mismatch`, which makes the control plane send the whole snapshot instead.
 */
export function snapshotFromDelta(
  base: VersionedSnapshot | null,
  msg: SnapshotDelta,
): Result<VersionedSnapshot, ApplyError> {
  return runSteps(snapshotFromDeltaSteps(base, msg));
}

/** {@link snapshotFromDelta} as a generator of work that yields now and then (see runSliced). */
export function* snapshotFromDeltaSteps(
  base: VersionedSnapshot | null,
  msg: SnapshotDelta,
): Generator<void, Result<VersionedSnapshot, ApplyError>> {
  if (!base || base.version !== msg.baseVersion) {
    return err({
      code: "delta_base_mismatch",
      message: `delta applies to ${msg.baseVersion.slice(0, 64)}, the node serves ${base?.version ?? "nothing"}`,
      entityKind: "snapshot",
    });
  }
  const upserts = msg.upserts;
  if (!upserts) return err({ code: "invalid_payload", message: "delta has no upserts", entityKind: "snapshot" });
  const problem = checkSchemaVersion(upserts.schemaVersion) ?? firstInvalidValue(upserts);
  if (problem) return err(problem);
  const removed = Object.fromEntries(
    SNAPSHOT_PARTS.map(({ part, removedField }) => [part, msg.removed?.[removedField] ?? []]),
  ) as unknown as RemovedIds;
  const delta: ConfigDelta = { upserts: specsFromPayload(upserts), removed };
  const config = mergeDelta(base.config, delta, upserts.schemaVersion);
  return yield* verifiedConfigSteps(config, msg.version, msg.generation, delta);
}
