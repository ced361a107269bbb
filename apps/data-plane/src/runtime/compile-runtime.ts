import type { ApplyError } from "@switchyard/config-sync/client";
import { runSteps } from "@switchyard/config-sync/codec";
import { err, ok, type Result } from "@switchyard/errors";
import type { ConfigSnapshot, VersionedSnapshot } from "@switchyard/policy";
import type { UpstreamTarget } from "@switchyard/providers";
import { createLimitIndex, type LimitIndex } from "../limits/limit-index.ts";
import { buildKeys, patchKeys } from "./compile-keys.ts";
import { checkLimitsSteps } from "./compile-limits.ts";
import { type CheckedProvider, compileProvider } from "./compile-provider.ts";
import { anthropicModelsBody, openAIModelsBody } from "./models-body.ts";
import type { PoolSet } from "./pool-set.ts";
import type { CompiledRoute, RuntimeConfig } from "./types.ts";

/** A compiled runtime with what the next compile can start from. */
export interface Compiled {
  readonly snapshot: VersionedSnapshot;
  readonly runtime: RuntimeConfig;
}

/**
 * Whether the previous runtime's limit index still holds: it depends on the limits, the prices and the routes
 * (a route's provider and model pick its provider limits and price), and on nothing else.
 */
function sameLimitInputs(a: ConfigSnapshot | undefined, b: ConfigSnapshot): boolean {
  return a !== undefined && a.limits === b.limits && a.prices === b.prices && a.routes === b.routes;
}

/**
 * Compiles a snapshot into the form requests are served from: key hashes to grants, aliases to routes with
 * adapters, headers and pools, and the models list. Everything is checked before any pool is acquired, so a
 * refused snapshot leaves the pool set as it was. Errors name the entity at fault.
 *
 * With `previous` (the runtime in force and its snapshot), parts that did not change are reused: the limit
 * index (with the plans it made) when limits, prices and routes are the same lists, and the key map is patched instead of rebuilt when few keys and consumers
 * changed (snapshots made from a delta share unchanged lists and entities with their base, so finding the
 * change is a pointer walk). A generator: the long loops yield now and then, so a caller running it with the
 * codec's runSliced lets requests be served in between; {@link compileRuntime} runs it straight through.
 */
export function* compileSteps(
  s: VersionedSnapshot,
  pools: PoolSet,
  fleetSize: number,
  previous?: Compiled | null,
): Generator<void, Result<Compiled, ApplyError>> {
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
  const prev = previous?.snapshot.config;
  let limits: LimitIndex;
  if (previous && sameLimitInputs(prev, cfg)) {
    limits = previous.runtime.limits;
    limits.setFleetSize(fleetSize);
  } else {
    const checked = yield* checkLimitsSteps(cfg.limits);
    if (!checked.ok) return checked;
    limits = createLimitIndex(cfg, fleetSize);
  }
  const patched = previous && prev ? patchKeys(prev, previous.runtime.keys, cfg) : null;
  const grants = patched ?? (yield* buildKeys(cfg));

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
      const { key, pool } = pools.acquire(p.origin, p.spec.connectTimeoutMs, p.spec.allowInternal);
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
  const aliases = [...routes.keys()].sort();
  const runtime: RuntimeConfig = Object.freeze({
    version: s.version,
    generation: s.generation,
    keys: grants,
    routes,
    limits,
    modelsBody: openAIModelsBody(aliases),
    anthropicModelsBody: anthropicModelsBody(aliases),
    poolKeys,
  });
  return ok(Object.freeze({ snapshot: s, runtime }));
}

/** Compiles `s` in one go (see {@link compileSteps}). */
export function compileRuntime(
  s: VersionedSnapshot,
  pools: PoolSet,
  previous?: Compiled | null,
  fleetSize = 1,
): Result<RuntimeConfig, ApplyError> {
  const compiled = runSteps(compileSteps(s, pools, fleetSize, previous));
  return compiled.ok ? ok(compiled.value.runtime) : compiled;
}
