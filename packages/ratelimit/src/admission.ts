import type { Admission, Lease, LimitRule, Meter, RejectReason } from "./engine-types.ts";

/** Per-rule verdicts shared by the engines (the Lua script answers 0, 1 and 2). */
export const V_OK = 0;
export const V_REJECT = 1;
export const V_SHADOW_REJECT = 2;
/** A fail-closed rule that could not be checked. */
export const V_UNAVAILABLE = 3;
/** A fail-open rule that could not be checked: passes, nothing known about its counter. */
export const V_UNKNOWN = -1;

/** How long a client is told to wait when a fail-closed rule rejects because the store is away. */
export const UNAVAILABLE_RETRY_AFTER_MS = 1000;
/** How long a client is told to wait for a concurrency slot; when one frees up is unknowable. */
export const CONCURRENCY_RETRY_AFTER_MS = 1000;

/** The answer when a plan has no rules: allowed, nothing to settle, no headers. */
export const NO_RULES_ADMISSION: Admission = Object.freeze({
  allowed: true,
  blockedBy: null,
  reason: null,
  retryAfterMs: 0,
  requests: null,
  tokens: null,
  degraded: false,
  shadowBlocked: Object.freeze([]) as readonly string[],
  lease: null,
});

const TOKEN_KINDS = new Set(["input_tokens", "output_tokens", "total_tokens"]);

function tighter(m: Meter | null, limit: number, used: number, resetMs: number): Meter | null {
  const remaining = Math.max(0, limit - used);
  if (m && (m.remaining < remaining || (m.remaining === remaining && m.resetMs >= resetMs))) return m;
  return { limit, remaining, resetMs };
}

/**
 * Summarises per-rule results into one admission. `used[i]` is rule i's counter after this request's
 * reservation (when admitted) or as found (when rejected); `resetMs[i]` the time to its window end. Among
 * rejecting rules a definite rejection wins over an unavailable store, then the longest wait, since retrying
 * earlier cannot succeed.
 */
export function buildAdmission(
  rules: readonly LimitRule[],
  used: ArrayLike<number>,
  resetMs: ArrayLike<number>,
  verdict: ArrayLike<number>,
  degraded: boolean,
  lease: Lease | null,
): Admission {
  let requests: Meter | null = null;
  let tokens: Meter | null = null;
  let shadowBlocked: string[] | null = null;
  let pick = -1;
  let pickRetry = 0;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const v = verdict[i]!;
    if (v === V_SHADOW_REJECT) {
      shadowBlocked ??= [];
      shadowBlocked.push(rule.id);
    }
    if ((v === V_OK || v === V_REJECT) && !rule.shadow) {
      if (rule.kind === "requests") requests = tighter(requests, rule.limit, used[i]!, resetMs[i]!);
      else if (TOKEN_KINDS.has(rule.kind)) tokens = tighter(tokens, rule.limit, used[i]!, resetMs[i]!);
    }
    if (v !== V_REJECT && v !== V_UNAVAILABLE) continue;
    const retry =
      v === V_UNAVAILABLE
        ? UNAVAILABLE_RETRY_AFTER_MS
        : rule.kind === "concurrency"
          ? CONCURRENCY_RETRY_AFTER_MS
          : Math.max(1, resetMs[i]!);
    const better =
      pick < 0 || (v === V_REJECT && verdict[pick] === V_UNAVAILABLE) || (v === verdict[pick] && retry > pickRetry);
    if (better) {
      pick = i;
      pickRetry = retry;
    }
  }
  const blocked = pick >= 0 ? rules[pick]! : null;
  const reason: RejectReason | null = !blocked
    ? null
    : verdict[pick] === V_UNAVAILABLE
      ? "unavailable"
      : blocked.quota
        ? "quota"
        : "rate_limit";
  return {
    allowed: blocked === null,
    blockedBy: blocked?.id ?? null,
    reason,
    retryAfterMs: blocked ? pickRetry : 0,
    requests,
    tokens,
    degraded,
    shadowBlocked: shadowBlocked ?? NO_RULES_ADMISSION.shadowBlocked,
    lease: blocked ? null : lease,
  };
}
