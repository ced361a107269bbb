import type { ProviderKind } from "@switchyard/policy";
import type { HttpProviderAdapter, LocalProviderAdapter, UpstreamTarget } from "@switchyard/providers";
import type { Pool } from "undici";
import type { LimitIndex } from "../limits/limit-index.ts";

/** What an API key grants: who is calling, and so which consumer and group limits apply. */
export interface KeyGrant {
  readonly consumerId: string;
  /** The consumer's group (team), whose limits apply to it too; null when it has none. */
  readonly groupId: string | null;
}

/** An upstream reached over HTTP through a shared keep-alive pool. */
export interface HttpUpstream {
  readonly transport: "http";
  readonly adapter: HttpProviderAdapter;
  /** `scheme://host:port` of the provider's base URL; the pool's key part. */
  readonly origin: string;
  readonly pool: Pool;
  /** Longest wait from sending the request to receiving response headers. */
  readonly firstByteTimeoutMs: number;
}

/** An upstream answered in-process (the mock provider). */
export interface LocalUpstream {
  readonly transport: "local";
  readonly adapter: LocalProviderAdapter;
}

/** A route alias resolved to everything the proxy needs, so a request does no lookups beyond the alias. */
export interface CompiledRoute {
  readonly routeId: string;
  readonly alias: string;
  readonly providerId: string;
  /** Bounded metric label. */
  readonly providerKind: ProviderKind;
  /** Strict mode: parameters the target cannot honour are answered 400 instead of dropped. */
  readonly strict: boolean;
  /** Where and how the adapter addresses the upstream (base path, model, credential headers, API version). */
  readonly target: UpstreamTarget;
  readonly upstream: HttpUpstream | LocalUpstream;
}

/** The compiled form of one snapshot; immutable and swapped as a whole. */
export interface RuntimeConfig {
  readonly version: string;
  readonly generation: bigint;
  /** Lowercase hex SHA-256 of an API key -> its grant; keys of disabled consumers are absent. */
  readonly keys: ReadonlyMap<string, KeyGrant>;
  /** Alias -> compiled route. */
  readonly routes: ReadonlyMap<string, CompiledRoute>;
  /** The limits that apply to each (consumer, route) pair, planned on first use. */
  readonly limits: LimitIndex;
  /** The `GET /v1/models` body, serialised once. */
  readonly modelsBody: string;
  /** The same list in Anthropic's shape, for requests carrying `anthropic-version`. */
  readonly anthropicModelsBody: string;
  /** Keys of the pools this runtime uses; the holder closes pools no runtime needs any more. */
  readonly poolKeys: ReadonlySet<string>;
}

/** Where request handlers read the runtime from at the moment they need it. */
export interface RuntimeSource {
  /** The runtime in force now, or null before the first snapshot was applied. */
  current(): RuntimeConfig | null;
}
