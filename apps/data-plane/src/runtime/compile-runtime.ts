import type { ApplyError } from "@switchyard/config-sync/client";
import { err, ok, type Result } from "@switchyard/errors";
import type { VersionedSnapshot } from "@switchyard/policy";
import type { UpstreamTarget } from "@switchyard/providers";
import type { RequestRule } from "@switchyard/ratelimit";
import { compileLimits } from "./compile-limits.ts";
import { type CheckedProvider, compileProvider } from "./compile-provider.ts";
import type { PoolSet } from "./pool-set.ts";
import type { CompiledRoute, KeyGrant, RuntimeConfig } from "./types.ts";

const NO_RULES: readonly RequestRule[] = Object.freeze([]);

/**
 * `GET /v1/models` in OpenAI's list shape. `created` is 0 because a snapshot carries no creation times, and
 * `owned_by` names the gateway rather than the provider so clients do not learn the routing.
 */
function modelsBody(aliases: readonly string[]): string {
  const data = [...aliases].sort().map((id) => ({ id, object: "model", created: 0, owned_by: "switchyard" }));
  return JSON.stringify({ object: "list", data });
}

/**
 * Compiles a snapshot into the form requests are served from: key hashes to grants, aliases to routes with
 * adapters, headers and pools, and the models list. Everything is checked before any pool is acquired, so a
 * refused snapshot leaves the pool set as it was. Errors name the entity at fault.
 */
export function compileRuntime(s: VersionedSnapshot, pools: PoolSet): Result<RuntimeConfig, ApplyError> {
  const cfg = s.config;
  const providers = new Map<string, CheckedProvider>();
  for (const spec of cfg.providers) {
    const checked = compileProvider(spec);
    if (!checked.ok) return checked;
    providers.set(spec.id, checked.value);
  }
  const seenAliases = new Set<string>();
  for (const r of cfg.routes) {
    const route = (message: string) => err({ code: "invalid_route", message, entityKind: "route", entityId: r.id });
    if (!providers.has(r.providerId)) return route(`provider ${r.providerId} does not exist`);
    if (seenAliases.has(r.alias)) return route(`alias ${r.alias} is used twice`);
    if (r.upstreamModel === "") return route("upstream model is empty");
    seenAliases.add(r.alias);
  }
  const rules = compileLimits(cfg.limits);
  if (!rules.ok) return rules;

  const enabled = new Set(cfg.consumers.filter((c) => c.enabled).map((c) => c.id));
  const grants = new Map<string, KeyGrant>();
  const grantOf = new Map<string, KeyGrant>();
  for (const k of cfg.apiKeys) {
    if (!enabled.has(k.consumerId)) continue;
    let grant = grantOf.get(k.consumerId);
    if (!grant) {
      grant = Object.freeze({
        consumerId: k.consumerId,
        rules: Object.freeze(rules.value.get(k.consumerId) ?? NO_RULES),
      });
      grantOf.set(k.consumerId, grant);
    }
    grants.set(k.hash, grant);
  }

  // Everything is valid; only now touch the pool set.
  const poolKeys = new Set<string>();
  const routes = new Map<string, CompiledRoute>();
  for (const r of cfg.routes) {
    const p = providers.get(r.providerId)!;
    const target: UpstreamTarget = Object.freeze({
      basePath: p.basePath,
      upstreamModel: r.upstreamModel,
      headers: p.headers,
      ...(p.spec.apiVersion === null ? {} : { apiVersion: p.spec.apiVersion }),
    });
    let upstream: CompiledRoute["upstream"];
    if (p.adapter.transport === "local") {
      upstream = { transport: "local", adapter: p.adapter };
    } else {
      const { key, pool } = pools.acquire(p.origin, p.spec.connectTimeoutMs);
      poolKeys.add(key);
      upstream = {
        transport: "http",
        adapter: p.adapter,
        origin: p.origin,
        pool,
        firstByteTimeoutMs: p.spec.firstByteTimeoutMs,
      };
    }
    routes.set(
      r.alias,
      Object.freeze({
        routeId: r.id,
        alias: r.alias,
        providerId: p.spec.id,
        providerKind: p.spec.kind,
        strict: r.strict,
        target,
        upstream,
      }),
    );
  }
  return ok(
    Object.freeze({
      version: s.version,
      generation: s.generation,
      keys: grants,
      routes,
      modelsBody: modelsBody([...routes.keys()]),
      poolKeys,
    }),
  );
}
