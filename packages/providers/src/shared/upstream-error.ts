import type { UpstreamHead } from "../types.ts";
import type { ErrorInfo } from "./error-info.ts";
import { isObject, num, parseJson, str } from "./json.ts";

/** The error body conventions of the upstream families. */
export type ErrorDialect = "openai" | "anthropic" | "gemini" | "ollama";

/**
 * An upstream 401 is about the gateway's own provider credential, not the client's key; its message can
 * echo part of that credential, so it is replaced.
 */
const CREDENTIAL_MESSAGE = "The upstream provider rejected the credentials configured for this route.";

/** The first value of a response header. */
export function headerValue(headers: UpstreamHead["headers"], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Gemini puts its retry hint in the body (`google.rpc.RetryInfo`), as a duration such as "37s". */
function geminiRetryDelay(details: unknown): string | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const d of details) {
    const delay = isObject(d) ? str(d.retryDelay) : undefined;
    const m = delay?.match(/^(\d+(?:\.\d+)?)s$/);
    if (m) return String(Math.ceil(Number(m[1])));
  }
  return undefined;
}

function fields(
  dialect: ErrorDialect,
  body: unknown,
): { message?: string; type?: string; code?: string | null; param?: string | null; retry?: string } {
  if (!isObject(body)) return {};
  if (dialect === "ollama") return { message: str(body.error) };
  const e = body.error;
  if (!isObject(e)) return typeof e === "string" ? { message: e } : {};
  if (dialect === "anthropic") return { message: str(e.message), type: str(e.type) };
  if (dialect === "gemini") return { message: str(e.message), retry: geminiRetryDelay(e.details) };
  const code = e.code;
  return {
    message: str(e.message),
    type: str(e.type),
    code: typeof code === "string" ? code : typeof code === "number" ? String(code) : null,
    param: str(e.param) ?? null,
  };
}

/**
 * Reads an upstream error response into an {@link ErrorInfo}: the status, the provider's message (its
 * public explanation, useful to the client), OpenAI's or Anthropic's type and code when the dialect has
 * them, and retry hints from `retry-after`, `retry-after-ms` or Gemini's RetryInfo.
 */
export function upstreamError(dialect: ErrorDialect, head: UpstreamHead, bodyText: string): ErrorInfo {
  const f = fields(dialect, parseJson(bodyText));
  const retryAfter = headerValue(head.headers, "retry-after") ?? f.retry;
  const retryAfterMs = headerValue(head.headers, "retry-after-ms");
  const format = dialect === "openai" || dialect === "anthropic" ? dialect : undefined;
  const message =
    head.status === 401
      ? CREDENTIAL_MESSAGE
      : (f.message ?? `The upstream provider answered with status ${head.status}.`);
  return {
    status: head.status,
    message,
    ...(format !== undefined && f.type !== undefined && head.status !== 401 ? { format, type: f.type } : {}),
    ...(f.code !== undefined && head.status !== 401 ? { code: f.code } : {}),
    ...(f.param !== undefined ? { param: f.param } : {}),
    ...(retryAfter !== undefined ? { retryAfter } : {}),
    ...(retryAfterMs !== undefined && num(Number(retryAfterMs)) !== undefined ? { retryAfterMs } : {}),
  };
}

/** An error an upstream reported inside a stream (OpenAI's `{"error":…}` data, Anthropic's error event). */
export function streamedError(dialect: ErrorDialect, data: unknown): ErrorInfo {
  const f = fields(dialect, data);
  const status = dialect === "anthropic" && f.type === "overloaded_error" ? 529 : 502;
  return {
    status,
    message: f.message ?? "The upstream provider reported an error during the stream.",
    ...(dialect === "openai" || dialect === "anthropic"
      ? f.type !== undefined
        ? { format: dialect, type: f.type }
        : {}
      : {}),
    ...(f.code !== undefined ? { code: f.code } : {}),
  };
}
