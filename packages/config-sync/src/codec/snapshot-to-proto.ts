import { create } from "@bufbuild/protobuf";
import type { SnapshotInput, VersionedSnapshot } from "@switchyard/policy";
import { type ConfigPayload, ConfigPayloadSchema, type Snapshot, SnapshotSchema } from "@switchyard/proto";

/** The wire form of a set of entities, as a full payload or as a delta's upserts. */
export function payloadToProto(c: SnapshotInput, schemaVersion: number): ConfigPayload {
  return create(ConfigPayloadSchema, {
    schemaVersion,
    providers: c.providers.map((p) => ({
      id: p.id,
      name: p.name,
      kind: p.kind,
      baseUrl: p.baseUrl,
      // proto3 `optional`: absent on the wire means "no key", which the domain spells null.
      ...(p.apiKey === null ? {} : { apiKey: p.apiKey }),
      connectTimeoutMs: p.connectTimeoutMs,
      firstByteTimeoutMs: p.firstByteTimeoutMs,
      ...(p.apiVersion === null ? {} : { apiVersion: p.apiVersion }),
      allowInternal: p.allowInternal,
    })),
    routes: c.routes.map((r) => ({
      id: r.id,
      alias: r.alias,
      providerId: r.providerId,
      upstreamModel: r.upstreamModel,
      strict: r.strict,
    })),
    consumers: c.consumers.map((x) => ({
      id: x.id,
      name: x.name,
      enabled: x.enabled,
      ...(x.groupId === null ? {} : { groupId: x.groupId }),
    })),
    groups: c.groups.map((g) => ({ id: g.id, name: g.name })),
    apiKeys: c.apiKeys.map((k) => ({ id: k.id, consumerId: k.consumerId, hash: k.hash })),
    limits: c.limits.map((l) => ({
      id: l.id,
      kind: l.kind,
      // Concurrency has no window; the wire spells that as the empty string.
      window: l.window ?? "",
      scope: l.scope,
      scopeId: l.scopeId,
      // A non-integer limit is a broken invariant (the control plane checks consistency first); BigInt throws.
      ...(l.kind === "cost_usd"
        ? { limit: 0n, limitMicroUsd: BigInt(Math.round(l.limit * 1e6)) }
        : { limit: BigInt(l.limit), limitMicroUsd: 0n }),
      failurePolicy: l.failurePolicy,
      mode: l.mode,
      onUnpriced: l.onUnpriced,
      streamCutoff: l.streamCutoff,
    })),
    prices: c.prices.map((p) => ({
      id: p.id,
      model: p.model,
      inputPerMtok: p.inputPerMTok,
      outputPerMtok: p.outputPerMTok,
      ...(p.cachedInputPerMTok === null ? {} : { cachedInputPerMtok: p.cachedInputPerMTok }),
    })),
  });
}

/**
 * The wire form of a snapshot for one send. `nonce` must be unique per send so the answering Ack or Nack
 * can be told apart from answers to earlier sends of the same version.
 */
export function snapshotToProto(s: VersionedSnapshot, nonce: string, fleetSize = 0): Snapshot {
  return create(SnapshotSchema, {
    version: s.version,
    generation: s.generation,
    nonce,
    fleetSize,
    payload: payloadToProto(s.config, s.config.schemaVersion),
  });
}
