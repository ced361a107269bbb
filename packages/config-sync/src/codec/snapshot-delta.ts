import { create } from "@bufbuild/protobuf";
import { err, type Result } from "@switchyard/errors";
import type { ConfigSnapshot, SnapshotInput, VersionedSnapshot } from "@switchyard/policy";
import { type SnapshotDelta, SnapshotDeltaSchema } from "@switchyard/proto";
import type { ApplyError } from "./apply-error.ts";
import { checkSchemaVersion, firstInvalidValue, specsFromPayload, verifiedSnapshot } from "./snapshot-from-proto.ts";
import { payloadToProto } from "./snapshot-to-proto.ts";

/** The entity lists of a snapshot, by kind. */
const KINDS = ["providers", "routes", "consumers", "apiKeys", "limits"] as const;
type Kind = (typeof KINDS)[number];

/** Removed ids by kind, as the domain sees a delta. */
export type RemovedIds = { readonly [K in Kind]: readonly string[] };

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

function diffKind<T extends { id: string }>(from: readonly T[], to: readonly T[]) {
  const before = new Map(from.map((e) => [e.id, e]));
  const after = new Set(to.map((e) => e.id));
  return {
    upserts: to.filter((e) => {
      const old = before.get(e.id);
      return !old || !sameEntity(old, e);
    }),
    removed: from.filter((e) => !after.has(e.id)).map((e) => e.id),
  };
}

/** The delta from `base` to `next`, entity by entity (matched by id). Linear in the size of the snapshots. */
export function diffConfig(base: ConfigSnapshot, next: ConfigSnapshot): ConfigDelta {
  const parts = Object.fromEntries(KINDS.map((k) => [k, diffKind<{ id: string }>(base[k], next[k])]));
  const upserts = Object.fromEntries(KINDS.map((k) => [k, parts[k]?.upserts ?? []])) as unknown as SnapshotInput;
  const removed = Object.fromEntries(KINDS.map((k) => [k, parts[k]?.removed ?? []])) as unknown as RemovedIds;
  return { upserts, removed };
}

/** How many entities a delta carries, to decide whether it is worth sending instead of the whole snapshot. */
export function deltaSize(d: ConfigDelta): number {
  return KINDS.reduce((n, k) => n + d.upserts[k].length + d.removed[k].length, 0);
}

/** The wire form of a delta from `base` to `next` for one send. */
export function deltaToProto(base: string, next: VersionedSnapshot, delta: ConfigDelta, nonce: string): SnapshotDelta {
  return create(SnapshotDeltaSchema, {
    version: next.version,
    generation: next.generation,
    nonce,
    baseVersion: base,
    upserts: payloadToProto(delta.upserts, next.config.schemaVersion),
    removed: {
      providerIds: [...delta.removed.providers],
      routeIds: [...delta.removed.routes],
      consumerIds: [...delta.removed.consumers],
      apiKeyIds: [...delta.removed.apiKeys],
      limitIds: [...delta.removed.limits],
    },
  });
}

function merge<T extends { id: string }>(base: readonly T[], upserts: readonly T[], removed: readonly string[]): T[] {
  const byId = new Map(base.map((e) => [e.id, e]));
  for (const id of removed) byId.delete(id);
  for (const e of upserts) byId.set(e.id, e);
  return [...byId.values()];
}

/**
 * Applies a delta to the snapshot the node serves. The result goes through exactly the checks a full snapshot
 * does, including the version: a node that applied a delta holds byte for byte what a full push would have
 * given it, or it nacks. A delta for another base is refused with `delta_base_mismatch`, which makes the
 * control plane send the whole snapshot instead.
 */
export function snapshotFromDelta(
  base: VersionedSnapshot | null,
  msg: SnapshotDelta,
): Result<VersionedSnapshot, ApplyError> {
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
  const specs = specsFromPayload(upserts);
  const r = msg.removed;
  const c = base.config;
  const input: SnapshotInput = {
    providers: merge(c.providers, specs.providers, r?.providerIds ?? []),
    routes: merge(c.routes, specs.routes, r?.routeIds ?? []),
    consumers: merge(c.consumers, specs.consumers, r?.consumerIds ?? []),
    apiKeys: merge(c.apiKeys, specs.apiKeys, r?.apiKeyIds ?? []),
    limits: merge(c.limits, specs.limits, r?.limitIds ?? []),
  };
  return verifiedSnapshot(input, upserts.schemaVersion, msg.version, msg.generation);
}
