import { AppError } from "@switchyard/errors";
import type { Admission, Meter } from "@switchyard/ratelimit";
import { formatResetDuration } from "../http/rate-limit-headers.ts";

/** The longest `retry-after` the gateway sends: a client told to wait an hour would rather be told to come back. */
export const MAX_RETRY_AFTER_SECONDS = 60;

/** The header names of one meter, made once: a name built per request would be hashed per request. */
const NAMES = {
  requests: ["x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"],
  tokens: ["x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"],
} as const;

function meterHeaders(out: Record<string, string>, what: "requests" | "tokens", m: Meter | null): void {
  if (m === null) return;
  const [limit, remaining, reset] = NAMES[what];
  out[limit] = String(m.limit);
  out[remaining] = String(Math.max(0, m.remaining));
  out[reset] = formatResetDuration(m.resetMs);
}

/**
 * OpenAI's rate-limit headers for an admission: `x-ratelimit-limit|remaining|reset-requests` from the most
 * constraining request limit and `-tokens` from the most constraining token limit, sent on admitted and
 * rejected calls alike.
 */
export function admissionHeaders(a: Admission): Record<string, string> {
  const out: Record<string, string> = {};
  meterHeaders(out, "requests", a.requests);
  meterHeaders(out, "tokens", a.tokens);
  return out;
}

/** `retry-after` in whole seconds: at least 1, since 0 invites an immediate retry, and at most 60. */
export function retryAfter(ms: number): string {
  return String(Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(ms / 1000))));
}

/**
 * The error a refused admission is answered with:
 * - a rate limit: 429 `rate_limit_exceeded` with `retry-after` (the SDKs wait and retry);
 * - a quota or budget (cost limits, daily and monthly allowances): 429 `insufficient_quota` with
 *   `x-should-retry: false`, so the official SDKs give up at once instead of retrying into the same wall;
 * - a fail-closed limit Redis could not check: 503 `limits_unavailable` with `retry-after`.
 */
export function admissionError(a: Admission, headers: Record<string, string>): AppError {
  const wait = retryAfter(a.retryAfterMs);
  switch (a.reason) {
    case "quota":
      return new AppError(
        "insufficient_quota",
        "You exceeded your current quota for this period. Ask the gateway's operator to raise it, or wait for it to reset.",
        { headers: { ...headers, "retry-after": wait, "x-should-retry": "false" } },
      );
    case "unavailable":
      return new AppError(
        "limits_unavailable",
        "The gateway cannot check your limits right now. Please retry shortly.",
        {
          headers: { ...headers, "retry-after": wait },
        },
      );
    default:
      return new AppError("rate_limit_exceeded", "Rate limit reached. Please try again later.", {
        headers: { ...headers, "retry-after": wait },
      });
  }
}

/** A cost budget applies to the caller and the route's model has no price, and the budget refuses unpriced models. */
export function unpricedError(model: string): AppError {
  return new AppError(
    "model_not_priced",
    `The model '${model}' has no price in the gateway's catalog, and a spending limit that applies to you refuses unpriced models.`,
    { details: { param: "model" }, headers: { "x-should-retry": "false" } },
  );
}
