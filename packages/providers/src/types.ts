import type { Result } from "@switchyard/errors";
import type { ProviderSpec } from "@switchyard/policy";
import type { AdapterKind } from "./kinds.ts";
import type { TokenUsage } from "./shared/openai-types.ts";

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
  /**
   * Azure OpenAI's `api-version` query parameter, from the provider's settings; other kinds ignore it.
   * When absent, the Azure adapter uses {@link AZURE_DEFAULT_API_VERSION}.
   */
  readonly apiVersion?: string;
}

/** The HTTP request to send upstream (always a POST); the data plane owns the socket and sends it as given. */
export interface UpstreamRequest {
  /** Absolute path on the provider's origin, including the base path and any query (never a credential). */
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

/** The API shape a client speaks: OpenAI's (`/v1/chat/completions`, `/v1/embeddings`) or Anthropic's (`/v1/messages`). */
export type ClientFormat = "openai" | "anthropic";

/** What the client asked for. */
export type Operation = "chat" | "embeddings";

/** One client request, parsed as JSON by the data plane, before any translation. */
export interface ClientCall {
  readonly format: ClientFormat;
  readonly operation: Operation;
  /** The request body as the client sent it (`model` still the client's alias). */
  readonly body: Readonly<Record<string, unknown>>;
  /** Strict mode of the route: reject parameters the target cannot honour instead of dropping them. */
  readonly strict?: boolean;
  /**
   * Client request headers that matter to a same-format upstream (`anthropic-version`, `anthropic-beta`),
   * lower-case names. Anything else is ignored; the client's credentials are never read from here.
   */
  readonly headers?: Readonly<Record<string, string | undefined>>;
}

/** The status line and headers of an upstream response (Node's `IncomingHttpHeaders` fits). */
export interface UpstreamHead {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** A complete response for the client, written in one go. */
export interface BufferedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/**
 * How the proxy should answer once it has the upstream's status and headers:
 * - `pipe`: write `status` and `headers` now, then each upstream chunk through `transformer` (null: the
 *   bytes pass unchanged and the upstream `content-length` may be kept). Used for successful streams and
 *   for successful bodies that need no translation.
 * - `buffer`: collect the (small, non-streamed) upstream body, then write what `finish` returns. Used for
 *   error responses and translated non-streamed bodies, so a malformed upstream body can still become a
 *   502 instead of a broken 200.
 */
export type ClientResponse =
  | {
      readonly mode: "pipe";
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      readonly transformer: ResponseTransformer | null;
    }
  | { readonly mode: "buffer"; finish(body: Uint8Array): BufferedResponse };

/** A translated request ready to send, and how to turn the answer into the client's format. */
export interface PreparedCall {
  readonly request: UpstreamRequest;
  /** Called once with the upstream's status and headers. */
  respond(head: UpstreamHead): ClientResponse;
  /**
   * Token usage seen in the answer so far: complete once the response ended. Null when the body passed
   * through untouched (a non-streamed same-format answer) or reported none.
   */
  usage(): TokenUsage | null;
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

/**
 * A provider reached over HTTP: the data plane sends the request `prepare` returns and writes the answer back
 * as `respond` says.
 */
export interface HttpProviderAdapter {
  readonly kind: AdapterKind;
  readonly transport: "http";
  /**
   * Why a provider of this kind cannot be served, or null. Called at compile time, so a snapshot that
   * cannot work is refused (nacked) instead of failing on every request.
   */
  validate(spec: ProviderSpec): string | null;
  /** The headers every request to this provider carries, computed once per snapshot. */
  staticHeaders(spec: ProviderSpec): Record<string, string>;
  /**
   * Translates one client call (either format, chat or embeddings) for this provider. An expected failure
   * (a malformed body, an operation the provider lacks, a parameter strict mode refuses) is a ready-made
   * response in the client's format, to send as it is.
   */
  prepare(call: ClientCall, target: UpstreamTarget): Result<PreparedCall, BufferedResponse>;
  /**
   * The parameters of a call this provider cannot honour, named as the client's format names them (what
   * strict mode rejects; the default drops them, as docs/providers.md says per parameter).
   */
  unsupportedParameters(call: ClientCall): string[];
}

/** A provider answered in-process, without sockets (the `mock` kind). */
export interface LocalProviderAdapter {
  readonly kind: AdapterKind;
  readonly transport: "local";
  validate(spec: ProviderSpec): string | null;
  /** Produces the whole answer for any client call, in the client's format. */
  answer(call: ClientCall, target: UpstreamTarget, ctx: LocalContext): Result<LocalResponse, BufferedResponse>;
}

/** Any provider adapter; `transport` tells the proxy which path to take. */
export type ProviderAdapter = HttpProviderAdapter | LocalProviderAdapter;
