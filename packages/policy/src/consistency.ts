import { API_VERSION_KIND, type ConfigSnapshot } from "./types.ts";

/** One reason a snapshot cannot be served, naming the entity at fault. */
export interface ConsistencyProblem {
  readonly entityKind: "provider" | "route" | "consumer" | "api_key" | "limit" | "snapshot";
  readonly entityId: string;
  readonly message: string;
}

/**
 * Checks that a snapshot hangs together: unique ids and aliases, every reference resolves, values are in
 * range. Returns the problems found; an empty list means the snapshot may be published or applied.
 */
export function checkConsistency(s: ConfigSnapshot, knownSchemaVersion: number): ConsistencyProblem[] {
  const problems: ConsistencyProblem[] = [];
  if (s.schemaVersion > knownSchemaVersion) {
    problems.push({
      entityKind: "snapshot",
      entityId: "",
      message: `schema version ${s.schemaVersion} is newer than the supported ${knownSchemaVersion}`,
    });
    return problems;
  }
  const dup = (kind: ConsistencyProblem["entityKind"], ids: readonly string[]): void => {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) problems.push({ entityKind: kind, entityId: id, message: "duplicate id" });
      seen.add(id);
    }
  };
  dup(
    "provider",
    s.providers.map((p) => p.id),
  );
  dup(
    "route",
    s.routes.map((r) => r.id),
  );
  dup(
    "consumer",
    s.consumers.map((c) => c.id),
  );
  dup(
    "api_key",
    s.apiKeys.map((k) => k.id),
  );
  dup(
    "limit",
    s.limits.map((l) => l.id),
  );

  const providers = new Map(s.providers.map((p) => [p.id, p]));
  const consumers = new Set(s.consumers.map((c) => c.id));
  for (const p of s.providers) {
    if (p.kind !== "mock" && !isHttpUrl(p.baseUrl)) {
      problems.push({ entityKind: "provider", entityId: p.id, message: "base URL is not an http(s) URL" });
    }
    if (p.apiVersion !== null && (p.kind !== API_VERSION_KIND || p.apiVersion === "")) {
      const message =
        p.kind === API_VERSION_KIND ? "API version is empty" : `API version is set on a provider of kind ${p.kind}`;
      problems.push({ entityKind: "provider", entityId: p.id, message });
    }
  }
  const aliases = new Set<string>();
  for (const r of s.routes) {
    if (!providers.has(r.providerId)) {
      problems.push({ entityKind: "route", entityId: r.id, message: `provider ${r.providerId} does not exist` });
    }
    if (aliases.has(r.alias)) {
      problems.push({ entityKind: "route", entityId: r.id, message: `alias ${r.alias} is used twice` });
    }
    aliases.add(r.alias);
  }
  const hashes = new Set<string>();
  for (const k of s.apiKeys) {
    if (!consumers.has(k.consumerId)) {
      problems.push({ entityKind: "api_key", entityId: k.id, message: `consumer ${k.consumerId} does not exist` });
    }
    if (!/^[0-9a-f]{64}$/.test(k.hash)) {
      problems.push({ entityKind: "api_key", entityId: k.id, message: "hash is not a hex SHA-256" });
    }
    if (hashes.has(k.hash)) problems.push({ entityKind: "api_key", entityId: k.id, message: "hash is used twice" });
    hashes.add(k.hash);
  }
  for (const l of s.limits) {
    if (!Number.isSafeInteger(l.limit) || l.limit < 0) {
      problems.push({ entityKind: "limit", entityId: l.id, message: "limit must be a non-negative integer" });
    }
    if (l.scope === "consumer" && !consumers.has(l.scopeId)) {
      problems.push({ entityKind: "limit", entityId: l.id, message: `consumer ${l.scopeId} does not exist` });
    }
  }
  return problems;
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}
