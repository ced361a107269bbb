import type { BufferedResponse, ClientFormat } from "../types.ts";

/**
 * An error on its way to a client, independent of format: the status as the upstream (or the gateway) meant
 * it, a public message, and whatever the upstream said about retrying. {@link renderError} turns it into the
 * client's shape.
 */
export interface ErrorInfo {
  readonly status: number;
  readonly message: string;
  /** The format `type` and `code` were written in; they are kept only when the client speaks it too. */
  readonly format?: ClientFormat;
  readonly type?: string;
  readonly code?: string | null;
  /** The request field at fault, named as the client's format names it. */
  readonly param?: string | null;
  /** `retry-after` in seconds, as the upstream sent it or derived from its body. */
  readonly retryAfter?: string;
  /** `retry-after-ms`, which both official SDKs prefer when present. */
  readonly retryAfterMs?: string;
}

/** OpenAI's `type` and `code` per status, for errors that did not come from an OpenAI-format upstream. */
const OPENAI_TYPES: Readonly<Record<number, readonly [string, string | null]>> = {
  400: ["invalid_request_error", null],
  401: ["invalid_request_error", "invalid_api_key"],
  403: ["invalid_request_error", "permission_denied"],
  404: ["invalid_request_error", "not_found"],
  408: ["timeout", "request_timeout"],
  409: ["invalid_request_error", "conflict"],
  413: ["invalid_request_error", "request_too_large"],
  422: ["invalid_request_error", "unprocessable_entity"],
  429: ["requests", "rate_limit_exceeded"],
  500: ["server_error", null],
  502: ["api_error", "upstream_error"],
  503: ["server_error", "overloaded"],
  504: ["api_error", "upstream_timeout"],
};

/** Anthropic's documented error types per status. */
const ANTHROPIC_TYPES: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  408: "timeout_error",
  409: "invalid_request_error",
  413: "request_too_large",
  422: "invalid_request_error",
  429: "rate_limit_error",
  500: "api_error",
  502: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

/**
 * The status a client of this format sees. Anthropic's 529 "overloaded" is unknown to OpenAI clients and
 * becomes 503; an OpenAI-side 503 is Anthropic's overloaded_error, which Anthropic sends as 529. Anything
 * outside 400-599 is an upstream that misbehaved: 502.
 */
export function clientStatus(format: ClientFormat, status: number): number {
  if (status < 400 || status > 599) return status === 529 ? status : 502;
  if (format === "openai" && status === 529) return 503;
  if (format === "anthropic" && status === 503) return 529;
  return status;
}

/** The error object (without its envelope) in the client's format. */
function errorObject(format: ClientFormat, e: ErrorInfo, status: number): Record<string, unknown> {
  const same = e.format === format && e.type !== undefined;
  if (format === "anthropic") {
    return {
      type: same ? e.type : (ANTHROPIC_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error")),
      message: e.message,
    };
  }
  const [type, code] = OPENAI_TYPES[status] ?? [status >= 500 ? "server_error" : "invalid_request_error", null];
  return {
    message: e.message,
    type: same ? e.type : type,
    param: e.param ?? null,
    code: same ? (e.code ?? null) : (e.code ?? code),
  };
}

/** The full error body in the client's format, as a JSON value. */
export function errorBody(format: ClientFormat, e: ErrorInfo): Record<string, unknown> {
  const obj = errorObject(format, e, clientStatus(format, e.status));
  return format === "anthropic" ? { type: "error", error: obj } : { error: obj };
}

/** Renders an error as a complete response in the client's format, keeping the retry hints. */
export function renderError(format: ClientFormat, e: ErrorInfo): BufferedResponse {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (e.retryAfter !== undefined) headers["retry-after"] = e.retryAfter;
  if (e.retryAfterMs !== undefined) headers["retry-after-ms"] = e.retryAfterMs;
  return {
    status: clientStatus(format, e.status),
    headers,
    body: new TextEncoder().encode(JSON.stringify(errorBody(format, e))),
  };
}

/**
 * The SSE event that reports an error once a stream has started, in the form each SDK raises: OpenAI's
 * SDK throws on a data event carrying `error`; Anthropic's on an `event: error`.
 */
export function streamErrorEvent(format: ClientFormat, e: ErrorInfo): string {
  const body = JSON.stringify(errorBody(format, e));
  return format === "anthropic" ? `event: error\ndata: ${body}\n\n` : `data: ${body}\n\n`;
}

/** The message for a stream the upstream stopped sending before its end. */
export const TRUNCATED_STREAM: ErrorInfo = {
  status: 502,
  message: "The upstream provider ended the stream before it was complete.",
};
