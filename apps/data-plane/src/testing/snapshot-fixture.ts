import { createHash } from "node:crypto";
import { versionSnapshot } from "@switchyard/config-sync/codec";
import {
  type ApiKeySpec,
  buildSnapshot,
  type ConsumerSpec,
  type LimitSpec,
  type ProviderSpec,
  type RouteSpec,
  type SnapshotInput,
  type VersionedSnapshot,
} from "@switchyard/policy";

/**
 * Builders for snapshots in data-plane tests. Ids are readable strings rather than UUIDs so a failing
 * assertion shows which entity is meant.
 */

/** SHA-256 hex of a raw API key, as snapshots carry it. */
export function hashKey(raw: string): string {
  return createHash("sha256").update(raw).digest("hex");
}

/** A mock provider. */
export function mockProvider(id = "prov-mock"): ProviderSpec {
  return {
    id,
    name: id,
    kind: "mock",
    baseUrl: "",
    apiKey: null,
    connectTimeoutMs: 1_000,
    firstByteTimeoutMs: 5_000,
    apiVersion: null,
    allowInternal: false,
  };
}

/**
 * An OpenAI provider at `baseUrl`. Allowed to reach internal addresses, since the fakes tests point it at listen
 * on loopback; tests of the internal-address guard turn it off.
 */
export function openAIProvider(baseUrl: string, over: Partial<ProviderSpec> = {}): ProviderSpec {
  return {
    id: "prov-openai",
    name: "openai",
    kind: "openai",
    baseUrl,
    apiKey: "sk-upstream",
    connectTimeoutMs: 2_000,
    firstByteTimeoutMs: 5_000,
    apiVersion: null,
    allowInternal: true,
    ...over,
  };
}

/** A route from `alias` to `upstreamModel` on a provider. */
export function route(
  alias: string,
  providerId: string,
  upstreamModel = `${alias}-upstream`,
  strict = false,
): RouteSpec {
  return { id: `route-${alias}`, alias, providerId, upstreamModel, strict };
}

/** A consumer. */
export function consumer(id: string, enabled = true, groupId: string | null = null): ConsumerSpec {
  return { id, name: id, enabled, groupId };
}

/** An API key of a consumer, from its raw text. */
export function apiKey(raw: string, consumerId: string): ApiKeySpec {
  return { id: `key-${raw}`, consumerId, hash: hashKey(raw) };
}

/** A requests-per-minute limit on a consumer. */
export function rpmLimit(consumerId: string, limit: number, over: Partial<LimitSpec> = {}): LimitSpec {
  return {
    id: `limit-${consumerId}`,
    kind: "requests",
    window: "minute",
    scope: "consumer",
    scopeId: consumerId,
    limit,
    failurePolicy: "fail-closed",
    mode: "enforce",
    onUnpriced: "deny",
    streamCutoff: false,
    ...over,
  };
}

/** A versioned snapshot from parts; missing lists are empty. */
export function snapshot(parts: Partial<SnapshotInput>, generation = 1n): VersionedSnapshot {
  const config = buildSnapshot({
    providers: parts.providers ?? [],
    routes: parts.routes ?? [],
    consumers: parts.consumers ?? [],
    groups: parts.groups ?? [],
    apiKeys: parts.apiKeys ?? [],
    limits: parts.limits ?? [],
    prices: parts.prices ?? [],
  });
  return versionSnapshot(config, generation);
}
