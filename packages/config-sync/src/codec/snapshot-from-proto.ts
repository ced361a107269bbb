import { err, ok, type Result } from "@switchyard/errors";
import {
  buildSnapshot,
  checkConsistency,
  FAILURE_POLICIES,
  type FailurePolicy,
  LIMIT_KINDS,
  LIMIT_SCOPES,
  LIMIT_WINDOWS,
  type LimitKind,
  type LimitScope,
  type LimitWindow,
  PROVIDER_KINDS,
  type ProviderKind,
  SNAPSHOT_SCHEMA_VERSION,
  type VersionedSnapshot,
} from "@switchyard/policy";
import type { ConfigPayload, Snapshot } from "@switchyard/proto";
import type { ApplyError } from "./apply-error.ts";
import { versionOf } from "./version.ts";

function notIn(allowed: readonly string[], value: string, field: string, kind: string, id: string): ApplyError | null {
  if (allowed.includes(value)) return null;
  const shown = value.slice(0, 64);
  return {
    code: "invalid_value",
    message: `${field} "${shown}" is not one of ${allowed.join(", ")}`,
    entityKind: kind,
    entityId: id,
  };
}

/** The first value the domain types cannot hold, so the casts in {@link snapshotFromProto} are sound. */
function firstInvalidValue(payload: ConfigPayload): ApplyError | null {
  for (const p of payload.providers) {
    const bad = notIn(PROVIDER_KINDS, p.kind, "kind", "provider", p.id);
    if (bad) return bad;
    if (p.connectTimeoutMs < 1 || p.firstByteTimeoutMs < 1) {
      return { code: "invalid_value", message: "timeouts must be positive", entityKind: "provider", entityId: p.id };
    }
  }
  for (const l of payload.limits) {
    const bad =
      notIn(LIMIT_KINDS, l.kind, "kind", "limit", l.id) ??
      notIn(LIMIT_WINDOWS, l.window, "window", "limit", l.id) ??
      notIn(LIMIT_SCOPES, l.scope, "scope", "limit", l.id) ??
      notIn(FAILURE_POLICIES, l.failurePolicy, "failure policy", "limit", l.id);
    if (bad) return bad;
    if (l.limit > BigInt(Number.MAX_SAFE_INTEGER)) {
      return { code: "invalid_value", message: "limit is too large", entityKind: "limit", entityId: l.id };
    }
  }
  return null;
}

/**
 * Rebuilds the domain snapshot from the wire and checks it before anything may apply it: the schema version
 * is one this node knows, every enum-like string is in policy's allowed list, the version is the SHA-256 of
 * the rebuilt payload (so corruption or a builder bug cannot slip through), and the snapshot is consistent.
 * Failures are values: the caller nacks with them and keeps what it serves.
 */
export function snapshotFromProto(msg: Snapshot): Result<VersionedSnapshot, ApplyError> {
  const payload = msg.payload;
  if (!payload) return err({ code: "invalid_payload", message: "snapshot has no payload", entityKind: "snapshot" });
  if (payload.schemaVersion > SNAPSHOT_SCHEMA_VERSION) {
    return err({
      code: "unsupported_schema",
      message: `schema version ${payload.schemaVersion} is newer than the supported ${SNAPSHOT_SCHEMA_VERSION}`,
      entityKind: "snapshot",
    });
  }
  if (payload.schemaVersion < 1) {
    return err({ code: "invalid_payload", message: "snapshot has no schema version", entityKind: "snapshot" });
  }
  const invalid = firstInvalidValue(payload);
  if (invalid) return err(invalid);

  const built = buildSnapshot({
    providers: payload.providers.map((p) => ({
      id: p.id,
      name: p.name,
      kind: p.kind as ProviderKind,
      baseUrl: p.baseUrl,
      apiKey: p.apiKey ?? null,
      connectTimeoutMs: p.connectTimeoutMs,
      firstByteTimeoutMs: p.firstByteTimeoutMs,
    })),
    routes: payload.routes.map((r) => ({
      id: r.id,
      alias: r.alias,
      providerId: r.providerId,
      upstreamModel: r.upstreamModel,
    })),
    consumers: payload.consumers.map((c) => ({ id: c.id, name: c.name, enabled: c.enabled })),
    apiKeys: payload.apiKeys.map((k) => ({ id: k.id, consumerId: k.consumerId, hash: k.hash })),
    limits: payload.limits.map((l) => ({
      id: l.id,
      kind: l.kind as LimitKind,
      window: l.window as LimitWindow,
      scope: l.scope as LimitScope,
      scopeId: l.scopeId,
      limit: Number(l.limit),
      failurePolicy: l.failurePolicy as FailurePolicy,
    })),
  });
  // buildSnapshot stamps the current schema version; keep the sender's so the version covers what was sent.
  const config = Object.freeze({ ...built, schemaVersion: payload.schemaVersion });
  const version = versionOf(config);
  if (version !== msg.version) {
    return err({
      code: "version_mismatch",
      message: `version ${msg.version.slice(0, 64)} does not match the payload (computed ${version})`,
      entityKind: "snapshot",
    });
  }
  const problem = checkConsistency(config, SNAPSHOT_SCHEMA_VERSION)[0];
  if (problem) {
    const { message, entityKind, entityId } = problem;
    return err({ code: "inconsistent", message, entityKind, entityId });
  }
  return ok(Object.freeze({ version, generation: msg.generation, config }));
}
