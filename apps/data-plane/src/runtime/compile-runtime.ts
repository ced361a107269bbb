import type { ApplyError } from "@switchyard/config-sync/client";
import { runSteps } from "@switchyard/config-sync/codec";
import { err, ok, type Result } from "@switchyard/errors";
import type { LimitSpec, VersionedSnapshot } from "@switchyard/policy";
import type { UpstreamTarget } from "@switchyard/providers";
import type { RequestRule } from "@switchyard/ratelimit";
import { buildKeys, patchKeys } from "./compile-keys.ts";
import { compileLimits } from "./compile-limits.ts";
import { type CheckedProvider, compileProvider } from "./compile-provider.ts";
import { anthropicModelsBody, openAIModelsBody } from "./models-body.ts";
import type { PoolSet } from "./pool-set.ts";
import type { CompiledRoute, RuntimeConfig } from "./types.ts";

/** Limits compiled per call of compileLimits, so 100,000 of them do not hold the event loop in one go. */
const LIMITS_PER_SLICE = 8_192;

/**
 * compileLimits over the list in slices, merged in order. compileLimits turns each limit into a rule on its
 * own and groups the rules by consumer, so slicing the list and appending the groups in slice order gives what
 * one call over the whole list gives; the first error (in list order) is returned as it would be.
 */
function* limitsInSlices(
  limits: readonly LimitSpec[],
): Generator<void, Result<Map<string, RequestRule[]>, ApplyError>> {
  if (limits.length <= LIMITS_PER_SLICE) return compileLimits(limits);
  const merged = new Map<string, RequestRule[]>();
  for (let i = 0; i < limits.length; i += LIMITS_PER_SLICE) {
    const part = compileLimits(limits.slice(i, i + LIMITS_PER_SLICE));
    if (!part.ok) return part;
    for (const [consumerId, rules] of part.value) {
      const list = merged.get(consumerId);
      if (list) list.push(...rules);
      else merged.set(consumerId, rules);
    }
    yield;
  }
  return ok(merged);
}

/** A compiled runtime with what the next compile can start from. */
export interface Compiled {
  readonly snapshot: VersionedSnapshot;
  readonly runtime: RuntimeConfig;
  /** The request rules by consumer, reused while the limits list is unchanged. */
  readonly rules: ReadonlyMap<string, RequestRule[]>;
}

/**
 * Compiles a snapshot into the form requests are served from: key hashes to grants, aliases to routes with
 * adapters, headers and pools, and the models list. Everything is checked before any pool is acquired, so a
 * refused snapshot leaves the pool set as it was. Errors name the entity at fault.
 *
 * With `previous` (the runtime in force and its snapshot), parts that did not change are reused: the rules
 * when the limits list is the same, and the key map is patched instead of rebuilt when few keys and consumers
 * changed (snapshots made from a delta share unchanged lists and entities with their base, so finding the
 * change is a pointer walk). A generator: the long loops yield now and then, so a caller running it with the
 * codec's runSliced lets requests be served in between; {@link compileRuntime} runs it straight through.
 */
export function* compileSteps(
  s: VersionedSnapshot,
  pools: PoolSet,
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
  let rules: ReadonlyMap<string, RequestRule[]>;
  if (previous && prev?.limits === cfg.limits) rules = previous.rules;
  else {
    const compiled = yield* limitsInSlices(cfg.limits);
    if (!compiled.ok) return compiled;
    rules = compiled.value;
  }
  const patched = previous && prev ? patchKeys(prev, previous.runtime.keys, cfg, rules) : null;
  const grants = patched ?? (yield* buildKeys(cfg, rules));

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
    modelsBody: openAIModelsBody(aliases),
    anthropicModelsBody: anthropicModelsBody(aliases),
    poolKeys,
  });
  return ok(Object.freeze({ snapshot: s, runtime, rules }));
}

/** Compiles `s` in one go (see {@link compileSteps}). */
export function compileRuntime(
  s: VersionedSnapshot,
  pools: PoolSet,
  previous?: Compiled | null,
): Result<RuntimeConfig, ApplyError> {
  const compiled = runSteps(compileSteps(s, pools, previous));
  return compiled.ok ? ok(compiled.value.runtime) : compiled;
}
