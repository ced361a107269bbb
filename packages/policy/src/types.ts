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

/** Limit kinds in the general shape; the admin API accepts only `requests` for now. */
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

/** Limit windows in the general shape; only `minute` is accepted for now. */
export const LIMIT_WINDOWS = ["second", "minute", "hour", "day", "month"] as const;
/** One limit window. */
export type LimitWindow = (typeof LIMIT_WINDOWS)[number];

/** Limit scopes in the general shape; only `consumer` is accepted for now. */
export const LIMIT_SCOPES = ["consumer", "consumer_group", "route", "provider", "global"] as const;
/** One limit scope. */
export type LimitScope = (typeof LIMIT_SCOPES)[number];

/**
 * What a data plane does when the shared limiter (Redis) cannot answer:
 * `deny` rejects (fail closed), `allow` admits (fail open). `local` (a per-node share) arrives with the
 * limits issue, because it needs the fleet size in the snapshot.
 */
export const FAILURE_POLICIES = ["deny", "allow"] as const;
/** One failure policy. */
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

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
}

/** An active API key, known to data planes only by its SHA-256 hash. */
export interface ApiKeySpec {
  readonly id: string;
  readonly consumerId: string;
  /** Lowercase hex SHA-256 of the full key text. */
  readonly hash: string;
}

/** A limit in the general shape the limits issue fills in. */
export interface LimitSpec {
  readonly id: string;
  readonly kind: LimitKind;
  readonly window: LimitWindow;
  readonly scope: LimitScope;
  /** Id of the scoped entity (a consumer id for scope `consumer`); empty for `global`. */
  readonly scopeId: string;
  readonly limit: number;
  readonly failurePolicy: FailurePolicy;
}

/** The schema version of {@link ConfigSnapshot}; a node never applies a newer one than it knows. */
export const SNAPSHOT_SCHEMA_VERSION = 1;

/** The whole configuration a data plane serves from. Immutable; entities sorted by id. */
export interface ConfigSnapshot {
  readonly schemaVersion: number;
  readonly providers: readonly ProviderSpec[];
  readonly routes: readonly RouteSpec[];
  readonly consumers: readonly ConsumerSpec[];
  readonly apiKeys: readonly ApiKeySpec[];
  readonly limits: readonly LimitSpec[];
}

/** A snapshot with its identity (`version`, SHA-256 of the canonical payload) and order (`generation`). */
export interface VersionedSnapshot {
  readonly version: string;
  readonly generation: bigint;
  readonly config: ConfigSnapshot;
}
