import type { AppError } from "@switchyard/errors";
import { type ClientFormat, renderError } from "@switchyard/providers";
import { openAIError } from "./openai-error.ts";

/** The path whose clients speak Anthropic's API; every other `/v1` path speaks OpenAI's. */
export const ANTHROPIC_PATH = "/v1/messages";

/** The API shape of the client on a path, so the gateway's own errors reach its SDK in the form it parses. */
export function formatOfPath(path: string): ClientFormat {
  return path === ANTHROPIC_PATH ? "anthropic" : "openai";
}

/** A gateway error as a complete answer: status, headers and JSON body text. */
export interface ClientErrorAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Renders an error the gateway raised itself in the client's shape. OpenAI clients get the catalog code
 * (`invalid_api_key`, `model_not_found`, `rate_limit_exceeded`, `upstream_error`...); Anthropic clients get
 * `{"type":"error","error":{"type","message"}}` with the type Anthropic uses for the status (a 503 becomes
 * Anthropic's 529 `overloaded_error`, which its SDK retries). The error's own headers (`retry-after`, the
 * rate-limit headers) are kept.
 */
export function clientError(format: ClientFormat, e: AppError, param: string | null): ClientErrorAnswer {
  if (format === "openai") {
    const out = openAIError(e.code, e.message, param);
    return { status: out.status, headers: { ...e.headers }, body: JSON.stringify(out.body) };
  }
  const r = renderError("anthropic", { status: e.status, message: e.message, param });
  return { status: r.status, headers: { ...r.headers, ...e.headers }, body: new TextDecoder().decode(r.body) };
}
