import {
  type ApiKeySpec,
  type ConfigSnapshot,
  type ConsumerGroupSpec,
  type ConsumerSpec,
  type LimitSpec,
  type PriceSpec,
  type ProviderSpec,
  type RouteSpec,
  SNAPSHOT_SCHEMA_VERSION,
} from "./types.ts";

/** The rows a snapshot is built from, in any order. */
export interface SnapshotInput {
  providers: readonly ProviderSpec[];
  routes: readonly RouteSpec[];
  consumers: readonly ConsumerSpec[];
  groups: readonly ConsumerGroupSpec[];
  apiKeys: readonly ApiKeySpec[];
  limits: readonly LimitSpec[];
  prices: readonly PriceSpec[];
}

function byId<T extends { id: string }>(items: readonly T[]): readonly T[] {
  return Object.freeze(
    [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((i) => Object.freeze({ ...i })),
  );
}

/**
 * Builds an immutable snapshot. Entities are sorted by id so the same configuration always has the same
 * canonical form, and therefore the same version.
 */
export function buildSnapshot(input: SnapshotInput): ConfigSnapshot {
  return Object.freeze({
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    providers: byId(input.providers),
    routes: byId(input.routes),
    consumers: byId(input.consumers),
    groups: byId(input.groups),
    apiKeys: byId(input.apiKeys),
    limits: byId(input.limits),
    prices: byId(input.prices),
  });
}

/**
 * Fields added to entities after the first release, with their default values. The canonical form leaves a
 * field out while it holds its default, so a configuration that does not use a new field keeps the version it
 * had before the field existed: nodes and control-plane replicas one release apart (which ignore the field on
 * the wire) then compute the same version. Once a field is set, an older peer computes another version and
 * refuses the snapshot rather than serve it without the setting. Names are unique across entity kinds.
 */
export const CANONICAL_DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze({
  apiVersion: null,
  strict: false,
  allowInternal: false,
  groupId: null,
  mode: "enforce",
  onUnpriced: "deny",
  streamCutoff: false,
});

/** Whether `key: value` is left out of the canonical form (an undefined value, or a new field at its default). */
export function omittedFromCanonical(key: string, value: unknown): boolean {
  return value === undefined || (Object.hasOwn(CANONICAL_DEFAULTS, key) && CANONICAL_DEFAULTS[key] === value);
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "bigint") return JSON.stringify(value.toString());
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([k, v]) => !omittedFromCanonical(k, v))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
}

/**
 * The canonical text of a snapshot: JSON with object keys sorted, entities in id order and new fields at their
 * defaults left out ({@link CANONICAL_DEFAULTS}). The snapshot's version is a SHA-256 tree over this form, part
 * by part (config-sync's canonical-hash.ts), computed by both planes (the data plane re-checks it before applying).
 */
export function canonicalJson(snapshot: ConfigSnapshot): string {
  return canonical(snapshot);
}
