import {
  type ApiKeySpec,
  type ConfigSnapshot,
  type ConsumerSpec,
  type LimitSpec,
  type ProviderSpec,
  type RouteSpec,
  SNAPSHOT_SCHEMA_VERSION,
} from "./types.ts";

/** The rows a snapshot is built from, in any order. */
export interface SnapshotInput {
  providers: readonly ProviderSpec[];
  routes: readonly RouteSpec[];
  consumers: readonly ConsumerSpec[];
  apiKeys: readonly ApiKeySpec[];
  limits: readonly LimitSpec[];
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
    apiKeys: byId(input.apiKeys),
    limits: byId(input.limits),
  });
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "bigint") return JSON.stringify(value.toString());
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
}

/**
 * The canonical text of a snapshot: JSON with object keys sorted and entities in id order. Its SHA-256 is
 * the snapshot's version, computed by both planes (the data plane re-checks it before applying).
 */
export function canonicalJson(snapshot: ConfigSnapshot): string {
  return canonical(snapshot);
}
