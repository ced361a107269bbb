import type { LimitDecision } from "@switchyard/ratelimit";

/**
 * A duration the way OpenAI writes `x-ratelimit-reset-*` (Go's duration format): "250ms", "12s", "1m0s",
 * "2h5m0s". Whole seconds are rounded up, so waiting the stated time is always enough.
 */
export function formatResetDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** The three OpenAI-style request limit headers for a decision, sent on allowed and rejected requests alike. */
export function rateLimitHeaders(d: LimitDecision): Record<string, string> {
  return {
    "x-ratelimit-limit-requests": String(d.limit),
    "x-ratelimit-remaining-requests": String(d.remaining),
    "x-ratelimit-reset-requests": formatResetDuration(d.resetMs),
  };
}

/** `retry-after` in whole seconds, rounded up and at least 1, since 0 would invite an immediate retry. */
export function retryAfterSeconds(d: LimitDecision): string {
  return String(Math.max(1, Math.ceil(d.retryAfterMs / 1000)));
}
