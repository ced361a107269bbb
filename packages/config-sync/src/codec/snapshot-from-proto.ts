import { err, ok, type Result } from "@switchyard/errors";
import {
  buildSnapshot,
  type ConfigSnapshot,
  checkConsistency,
  FAILURE_POLICIES,
  type FailurePolicy,
  LIMIT_KINDS,
  LIMIT_MODES,
  LIMIT_SCOPES,
  LIMIT_WINDOWS,
  type LimitKind,
  type LimitMode,
  type LimitScope,
  type LimitWindow,
  PROVIDER_KINDS,
  type ProviderKind,
  SNAPSHOT_SCHEMA_VERSION,
  type SnapshotInput,
  UNPRICED_POLICIES,
  type UnpricedPolicy,
  type VersionedSnapshot,
} from "@switchyard/policy";
import type { ConfigPayload, Snapshot } from "@switchyard/proto";
import type { ApplyError } from "./apply-error.ts";
import { checkChangedConsistency } from "./check-changed.ts";
import { runSteps } from "./run-sliced.ts";
import type { ConfigDelta } from "./snapshot-delta.ts";
import { versionSteps } from "./version.ts";

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

/** The first value the domain types cannot hold, so the casts in {@link specsFromPayload} are sound. */
export function firstInvalidValue(payload: ConfigPayload): ApplyError | null {
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
      // The empty window is concurrency's "none"; whether it fits the kind is the consistency check's job.
      (l.window === "" ? null : notIn(LIMIT_WINDOWS, l.window, "window", "limit", l.id)) ??
      notIn(LIMIT_SCOPES, l.scope, "scope", "limit", l.id) ??
      notIn(FAILURE_POLICIES, l.failurePolicy, "failure policy", "limit", l.id) ??
      notIn(LIMIT_MODES, l.mode || DEFAULT_MODE, "mode", "limit", l.id) ??
      notIn(UNPRICED_POLICIES, l.onUnpriced || DEFAULT_UNPRICED, "onUnpriced", "limit", l.id);
    if (bad) return bad;
    if (l.limit > BigInt(Number.MAX_SAFE_INTEGER) || l.limitMicroUsd > BigInt(Number.MAX_SAFE_INTEGER)) {
      return { code: "invalid_value", message: "limit is too large", entityKind: "limit", entityId: l.id };
    }
  }
  return null;
}

/** What an empty `mode` means (a sender that left the field at its proto default). */
const DEFAULT_MODE: LimitMode = "enforce";
/** What an empty `on_unpriced` means. */
const DEFAULT_UNPRICED: UnpricedPolicy = "deny";

/** The entities of a wire payload as domain specs; call {@link firstInvalidValue} first so the casts hold. */
export function specsFromPayload(payload: ConfigPayload): SnapshotInput {
  return {
    providers: payload.providers.map((p) => ({
      id: p.id,
      name: p.name,
      kind: p.kind as ProviderKind,
      baseUrl: p.baseUrl,
      apiKey: p.apiKey ?? null,
      connectTimeoutMs: p.connectTimeoutMs,
      firstByteTimeoutMs: p.firstByteTimeoutMs,
      // Absent on the wire (or from a control plane that predates the field): the adapter's default.
      apiVersion: p.apiVersion ?? null,
      // False when absent, as proto3 reads it: a control plane that predates the field never allowed it.
      allowInternal: p.allowInternal,
    })),
    routes: payload.routes.map((r) => ({
      id: r.id,
      alias: r.alias,
      providerId: r.providerId,
      upstreamModel: r.upstreamModel,
      strict: r.strict,
    })),
    consumers: payload.consumers.map((c) => ({
      id: c.id,
      name: c.name,
      enabled: c.enabled,
      groupId: c.groupId ?? null,
    })),
    groups: payload.groups.map((g) => ({ id: g.id, name: g.name })),
    apiKeys: payload.apiKeys.map((k) => ({ id: k.id, consumerId: k.consumerId, hash: k.hash })),
    limits: payload.limits.map((l) => ({
      id: l.id,
      kind: l.kind as LimitKind,
      window: l.window === "" ? null : (l.window as LimitWindow),
      scope: l.scope as LimitScope,
      scopeId: l.scopeId,
      // Micro-dollars divided back: the nearest double to the six-decimal value the control plane holds.
      limit: l.kind === "cost_usd" ? Number(l.limitMicroUsd) / 1e6 : Number(l.limit),
      failurePolicy: l.failurePolicy as FailurePolicy,
      mode: (l.mode || DEFAULT_MODE) as LimitMode,
      onUnpriced: (l.onUnpriced || DEFAULT_UNPRICED) as UnpricedPolicy,
      streamCutoff: l.streamCutoff,
    })),
    prices: payload.prices.map((p) => ({
      id: p.id,
      model: p.model,
      inputPerMTok: p.inputPerMtok,
      outputPerMTok: p.outputPerMtok,
      cachedInputPerMTok: p.cachedInputPerMtok ?? null,
    })),
  };
}

/** Refuses a schema version this node does not know (newer) or a payload that has none. */
export function checkSchemaVersion(schemaVersion: number): ApplyError | null {
  if (schemaVersion > SNAPSHOT_SCHEMA_VERSION) {
    return {
      code: "unsupported_schema",
      message: `schema version ${schemaVersion} is newer than the supported ${SNAPSHOT_SCHEMA_VERSION}`,
      entityKind: "snapshot",
    };
  }
  if (schemaVersion < 1) {
    return { code: "invalid_payload", message: "snapshot has no schema version", entityKind: "snapshot" };
  }
  return null;
}

/**
 * Builds the snapshot from specs and checks it (see {@link verifiedConfig}). buildSnapshot stamps the current
 * schema version; the sender's is kept so the version covers what was sent.
 */
export function verifiedSnapshot(
  input: SnapshotInput,
  schemaVersion: number,
  claimedVersion: string,
  generation: bigint,
): Result<VersionedSnapshot, ApplyError> {
  return verifiedConfig(Object.freeze({ ...buildSnapshot(input), schemaVersion }), claimedVersion, generation);
}

/**
 * Checks a rebuilt snapshot: the claimed version must be the SHA-256 of its canonical payload (so corruption,
 * a builder bug or a wrong delta cannot slip through), and it must be consistent. With `changed` (the snapshot
 * came from a delta on a checked one) the consistency check follows the change (checkChangedConsistency).
 */
export function verifiedConfig(
  config: ConfigSnapshot,
  claimedVersion: string,
  generation: bigint,
  changed?: ConfigDelta,
): Result<VersionedSnapshot, ApplyError> {
  return runSteps(verifiedConfigSteps(config, claimedVersion, generation, changed));
}

/** {@link verifiedConfig} as a generator of work: hashing the payload yields now and then (see runSliced). */
export function* verifiedConfigSteps(
  config: ConfigSnapshot,
  claimedVersion: string,
  generation: bigint,
  changed?: ConfigDelta,
): Generator<void, Result<VersionedSnapshot, ApplyError>> {
  const version = yield* versionSteps(config);
  if (version !== claimedVersion) {
    return err({
      code: "version_mismatch",
      message: `version ${claimedVersion.slice(0, 64)} does not match the payload (computed ${version})`,
      entityKind: "snapshot",
    });
  }
  const problems = changed
    ? checkChangedConsistency(config, changed, SNAPSHOT_SCHEMA_VERSION)
    : checkConsistency(config, SNAPSHOT_SCHEMA_VERSION);
  const problem = problems[0];
  if (problem) {
    const { message, entityKind, entityId } = problem;
    return err({ code: "inconsistent", message, entityKind, entityId });
  }
  return ok(Object.freeze({ version, generation, config }));
}

/**
 * Rebuilds the domain snapshot from the wire and checks it before anything may apply it: the schema version
 * is one this node knows, every enum-like string is in policy's allowed list, the version is the SHA-256 of
 * the rebuilt payload, and the snapshot is consistent. Failures are values: the caller nacks with them and
 * keeps what it serves.
 */
export function snapshotFromProto(msg: Snapshot): Result<VersionedSnapshot, ApplyError> {
  return runSteps(snapshotFromProtoSteps(msg));
}

/** {@link snapshotFromProto} as a generator of work that yields now and then (see runSliced). */
export function* snapshotFromProtoSteps(msg: Snapshot): Generator<void, Result<VersionedSnapshot, ApplyError>> {
  const payload = msg.payload;
  if (!payload) return err({ code: "invalid_payload", message: "snapshot has no payload", entityKind: "snapshot" });
  const problem = checkSchemaVersion(payload.schemaVersion) ?? firstInvalidValue(payload);
  if (problem) return err(problem);
  const input = specsFromPayload(payload);
  yield;
  // buildSnapshot stamps the current schema version; keep the sender's so the version covers what was sent.
  const config = Object.freeze({ ...buildSnapshot(input), schemaVersion: payload.schemaVersion });
  yield;
  return yield* verifiedConfigSteps(config, msg.version, msg.generation);
}
