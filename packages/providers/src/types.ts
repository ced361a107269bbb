import type { ProviderKind, ProviderSpec } from "@switchyard/policy";

/**
 * A chat completion request as a client sent it (OpenAI's shape). Only `model` is checked by the gateway;
 * every other field is carried to the upstream untouched, so new OpenAI parameters keep working.
 */
export interface ChatCompletionRequest {
  readonly model: string;
  readonly stream?: unknown;
  readonly messages?: unknown;
  readonly [field: string]: unknown;
}

/**
 * Everything a provider adapter needs to address one route's upstream, computed once per snapshot by the
 * data plane so the per-request work is only the body rewrite.
 */
export interface UpstreamTarget {
  /** Path prefix of the provider's base URL, without a trailing slash (`/v1` for `https://x/v1`). */
  readonly basePath: string;
  /** The model name sent upstream in place of the client's alias. */
  readonly upstreamModel: string;
  /** Request headers every call to this provider carries (credentials, content type, versions). */
  readonly headers: Readonly<Record<string, string>>;
}

/** The HTTP request to send upstream; the data plane owns the socket and sends it as given. */
export interface UpstreamRequest {
  /** Absolute path on the provider's origin, including the base path. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Push-style response rewriting: the proxy hands over upstream bytes as they arrive and writes whatever
 * comes back, so translating providers (Anthropic, Gemini) can buffer partial SSE events without the
 * proxy knowing their formats. `null` means "nothing to write yet".
 */
export interface ResponseTransformer {
  onChunk(bytes: Uint8Array): Uint8Array | null;
  onEnd(): Uint8Array | null;
}

/** What the proxy knows about an upstream response before choosing a transformer. */
export interface ResponseContext {
  readonly status: number;
  /** Whether the client asked for `stream: true`. */
  readonly stream: boolean;
}

/** A complete answer produced without any network, by providers such as `mock`. */
export interface LocalResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body in the pieces a stream would deliver; a non-streaming answer is one piece. */
  readonly chunks: readonly Uint8Array[];
}

/** Inputs to a local answer that would otherwise need a clock. */
export interface LocalContext {
  /** Current time in milliseconds since the epoch, for `created` fields. */
  readonly nowMs: number;
}

/** A provider reached over HTTP: the data plane sends `toUpstream`'s request and pipes the answer back. */
export interface HttpProviderAdapter {
  readonly kind: ProviderKind;
  readonly transport: "http";
  /**
   * Why a provider of this kind cannot be served, or null. Called at compile time, so a snapshot that
   * cannot work is refused (nacked) instead of failing on every request.
   */
  validate(spec: ProviderSpec): string | null;
  /** The headers every request to this provider carries, computed once per snapshot. */
  staticHeaders(spec: ProviderSpec): Record<string, string>;
  /** Builds the upstream request for a chat completion. */
  toUpstream(req: ChatCompletionRequest, target: UpstreamTarget): UpstreamRequest;
  /** A fresh transformer for one response; identity for OpenAI-format upstreams. */
  responseTransformer(ctx: ResponseContext): ResponseTransformer;
  /** True when `responseTransformer` never changes bytes, so the proxy may skip it and keep content-length. */
  readonly passthrough: boolean;
}

/** A provider answered in-process, without sockets (the `mock` kind). */
export interface LocalProviderAdapter {
  readonly kind: ProviderKind;
  readonly transport: "local";
  validate(spec: ProviderSpec): string | null;
  /** Produces the whole answer for a chat completion. */
  respond(req: ChatCompletionRequest, target: UpstreamTarget, ctx: LocalContext): LocalResponse;
}

/** Any provider adapter; `transport` tells the proxy which path to take. */
export type ProviderAdapter = HttpProviderAdapter | LocalProviderAdapter;
