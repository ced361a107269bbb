import { limitProblem } from "./schemas.ts";
import { API_VERSION_KIND, type ConfigSnapshot, type LimitScope } from "./types.ts";

/** One reason a snapshot cannot be served, naming the entity at fault. */
export interface ConsistencyProblem {
  readonly entityKind: "provider" | "route" | "consumer" | "group" | "api_key" | "limit" | "price" | "snapshot";
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
    "group",
    s.groups.map((g) => g.id),
  );
  dup(
    "price",
    s.prices.map((p) => p.id),
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
  const groups = new Set(s.groups.map((g) => g.id));
  for (const c of s.consumers) {
    if (c.groupId !== null && !groups.has(c.groupId)) {
      problems.push({ entityKind: "consumer", entityId: c.id, message: `group ${c.groupId} does not exist` });
    }
  }
  const models = new Set<string>();
  for (const p of s.prices) {
    if (models.has(p.model))
      problems.push({ entityKind: "price", entityId: p.id, message: `model ${p.model} is priced twice` });
    models.add(p.model);
    const values = [p.inputPerMTok, p.outputPerMTok, p.cachedInputPerMTok ?? 0];
    if (!values.every((v) => Number.isFinite(v) && v >= 0)) {
      problems.push({ entityKind: "price", entityId: p.id, message: "prices must be non-negative numbers" });
    }
  }
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
  const routes = new Set(s.routes.map((r) => r.id));
  const scoped: Record<LimitScope, ReadonlySet<string> | null> = {
    consumer: consumers,
    consumer_group: groups,
    route: routes,
    provider: new Set(providers.keys()),
    global: null,
  };
  for (const l of s.limits) {
    if (!(l.limit >= 0)) {
      problems.push({ entityKind: "limit", entityId: l.id, message: "limit must not be negative" });
    }
    const problem = limitProblem(l);
    if (problem)
      problems.push({ entityKind: "limit", entityId: l.id, message: `${problem.field}: ${problem.message}` });
    const known = scoped[l.scope];
    if (known && !known.has(l.scopeId)) {
      problems.push({ entityKind: "limit", entityId: l.id, message: `${l.scope} ${l.scopeId} does not exist` });
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
