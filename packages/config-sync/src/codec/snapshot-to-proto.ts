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
    consumers: c.consumers.map((x) => ({ id: x.id, name: x.name, enabled: x.enabled })),
    apiKeys: c.apiKeys.map((k) => ({ id: k.id, consumerId: k.consumerId, hash: k.hash })),
    limits: c.limits.map((l) => ({
      id: l.id,
      kind: l.kind,
      window: l.window,
      scope: l.scope,
      scopeId: l.scopeId,
      // A non-integer limit is a broken invariant (the control plane checks consistency first); BigInt throws.
      limit: BigInt(l.limit),
      failurePolicy: l.failurePolicy,
    })),
  });
}

/**
 * The wire form of a snapshot for one send. `nonce` must be unique per send so the answering Ack or Nack
 * can be told apart from answers to earlier sends of the same version.
 */
export function snapshotToProto(s: VersionedSnapshot, nonce: string): Snapshot {
  return create(SnapshotSchema, {
    version: s.version,
    generation: s.generation,
    nonce,
    payload: payloadToProto(s.config, s.config.schemaVersion),
  });
}
