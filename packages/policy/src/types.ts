/** Provider kinds this release can talk to; each has an adapter in `@switchyard/providers`. */
export const PROVIDER_KINDS = [
  "openai",
  "azure-openai",
  "anthropic",
  "gemini",
  "ollama",
  "openai-compatible",
  "mock",
] as const;
/** One provider kind. */
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** The only provider kind with an `apiVersion` setting (Azure OpenAI's `api-version` query parameter). */
export const API_VERSION_KIND = "azure-openai" satisfies ProviderKind;

/**
 * What a limit counts: requests, tokens (input, output or both), concurrent in-flight requests, or spend in
 * USD (from the price catalog).
 */
export const LIMIT_KINDS = [
  "requests",
  "input_tokens",
  "output_tokens",
  "total_tokens",
  "concurrency",
  "cost_usd",
] as const;
/** One limit kind. */
export type LimitKind = (typeof LIMIT_KINDS)[number];

/** Fixed UTC calendar windows a counted limit resets on; `concurrency` limits have none. */
export const LIMIT_WINDOWS = ["second", "minute", "hour", "day", "month"] as const;
/** One limit window. */
export type LimitWindow = (typeof LIMIT_WINDOWS)[number];

/**
 * What a limit is shared by: one consumer, every member of a consumer group, every caller of a route, every
 * call to a provider, or all traffic. Several limits of different scopes may apply to one request.
 */
export const LIMIT_SCOPES = ["consumer", "consumer_group", "route", "provider", "global"] as const;
/** One limit scope. */
export type LimitScope = (typeof LIMIT_SCOPES)[number];

/**
 * What a data plane does when the shared limiter (Redis) cannot answer: `fail-closed` rejects (503),
 * `fail-open` admits without counting, `local` enforces the node's share of the limit (limit / fleet size,
 * rounded up) in memory.
 */
export const FAILURE_POLICIES = ["fail-open", "fail-closed", "local"] as const;
/** One failure policy. */
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

/** Failure policy names of the first release, still accepted on input: `deny` is `fail-closed`, `allow` `fail-open`. */
export const LEGACY_FAILURE_POLICIES: Readonly<Record<string, FailurePolicy>> = Object.freeze({
  deny: "fail-closed",
  allow: "fail-open",
});

/** `enforce` rejects over the limit; `shadow` counts and reports what it would have rejected, rejecting nothing. */
export const LIMIT_MODES = ["enforce", "shadow"] as const;
/** One limit mode. */
export type LimitMode = (typeof LIMIT_MODES)[number];

/** What a `cost_usd` limit does with a model the price catalog has no price for: admit it or refuse it. */
export const UNPRICED_POLICIES = ["allow", "deny"] as const;
/** One unpriced-model policy. */
export type UnpricedPolicy = (typeof UNPRICED_POLICIES)[number];

/** A provider as the data plane needs it: where to send requests and with which credential. */
export interface ProviderSpec {
  readonly id: string;
  readonly name: string;
  readonly kind: ProviderKind;
  /** Base URL of the upstream API, such as `https://api.openai.com/v1`; empty for `mock`. */
  readonly baseUrl: string;
  /** Decrypted credential, present only inside snapshots (never in admin responses). */
  readonly apiKey: string | null;
  readonly connectTimeoutMs: number;
  /** Time allowed from sending the request to receiving the response headers. */
  readonly firstByteTimeoutMs: number;
  /**
   * Azure OpenAI's `api-version` query parameter; null for every other kind, and for Azure it means the
   * adapter's default version.
   */
  readonly apiVersion: string | null;
  /**
   * Whether the data plane may connect to this provider on internal addresses (loopback, private, unique-local,
   * link-local, CGNAT): an in-cluster Ollama or vLLM. False refuses them at connect time, after resolving the name.
   */
  readonly allowInternal: boolean;
}

/** A model alias clients send, mapped to one upstream target. */
export interface RouteSpec {
  readonly id: string;
  /** The `model` value clients send. */
  readonly alias: string;
  readonly providerId: string;
  /** The model name sent upstream. */
  readonly upstreamModel: string;
  /**
   * Strict mode: a request parameter the target provider cannot honour is answered 400 naming it, instead of
   * being dropped.
   */
  readonly strict: boolean;
}

/** A caller of the gateway. */
export interface ConsumerSpec {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  /** The consumer group (team) the consumer belongs to, or null; group limits apply to all members. */
  readonly groupId: string | null;
}

/** A consumer group (team): limits of scope `consumer_group` are shared by its members. */
export interface ConsumerGroupSpec {
  readonly id: string;
  readonly name: string;
}

/**
 * The price of one upstream model, in USD per million tokens. Matched against a route's upstream model; a
 * model without a price is unpriced (never free).
 */
export interface PriceSpec {
  readonly id: string;
  /** The upstream model name, as sent to the provider (`gpt-4o-mini`, `claude-sonnet-4-5`). */
  readonly model: string;
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
  /** Price of cached input tokens; null means the input price. */
  readonly cachedInputPerMTok: number | null;
}

/** An active API key, known to data planes only by its SHA-256 hash. */
export interface ApiKeySpec {
  readonly id: string;
  readonly consumerId: string;
  /** Lowercase hex SHA-256 of the full key text. */
  readonly hash: string;
}

/** A limit: what it counts, over which window, shared by whom, and what happens when Redis is away. */
export interface LimitSpec {
  readonly id: string;
  readonly kind: LimitKind;
  /** The counting window; null exactly for `concurrency`. */
  readonly window: LimitWindow | null;
  readonly scope: LimitScope;
  /** Id of the scoped entity (consumer, group, route or provider id); empty for `global`. */
  readonly scopeId: string;
  /**
   * The limit: requests, tokens or concurrent requests (a non-negative integer), or USD for `cost_usd` (at
   * most six decimals).
   */
  readonly limit: number;
  readonly failurePolicy: FailurePolicy;
  readonly mode: LimitMode;
  /** `cost_usd` only: whether a request to an unpriced model is admitted; `deny` for other kinds. */
  readonly onUnpriced: UnpricedPolicy;
  /** Token and cost limits only: cut a stream off with a final error event once the limit is exhausted. */
  readonly streamCutoff: boolean;
}

/** The schema version of {@link ConfigSnapshot}; a node never applies a newer one than it knows. */
export const SNAPSHOT_SCHEMA_VERSION = 2;

/** The whole configuration a data plane serves from. Immutable; entities sorted by id. */
export interface ConfigSnapshot {
  readonly schemaVersion: number;
  readonly providers: readonly ProviderSpec[];
  readonly routes: readonly RouteSpec[];
  readonly consumers: readonly ConsumerSpec[];
  readonly groups: readonly ConsumerGroupSpec[];
  readonly apiKeys: readonly ApiKeySpec[];
  readonly limits: readonly LimitSpec[];
  readonly prices: readonly PriceSpec[];
}

/** A snapshot with its identity (`version`, SHA-256 of the canonical payload) and order (`generation`). */
export interface VersionedSnapshot {
  readonly version: string;
  readonly generation: bigint;
  readonly config: ConfigSnapshot;
}
