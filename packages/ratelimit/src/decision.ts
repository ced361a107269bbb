import type { LimitDecision, RequestRule } from "./types.ts";

/** How long a client is told to wait when a `deny` rule rejects because the limiter is away. */
export const DEGRADED_RETRY_AFTER_MS = 1000;

/**
 * The answer when no rule applies. Limit and remaining are 0 because there is no limit to report;
 * callers send no rate-limit headers in that case.
 */
export const NO_RULES_DECISION: LimitDecision = Object.freeze({
  allowed: true,
  limit: 0,
  remaining: 0,
  resetMs: 0,
  retryAfterMs: 0,
  blockedBy: null,
  degraded: false,
});

/**
 * Summarises per-rule counts into one decision. `counts[i]` is rule i's count after this request
 * (admitted) or unchanged (rejected); `msToEnd[i]` is the time left in rule i's window. When rejected,
 * the exhausted rule with the longest wait decides, since retrying earlier cannot succeed.
 */
export function decide(
  rules: readonly RequestRule[],
  admitted: boolean,
  counts: readonly number[],
  msToEnd: readonly number[],
): LimitDecision {
  let pick = -1;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (admitted) {
      if (pick < 0 || rule.limit - counts[i]! < rules[pick]!.limit - counts[pick]!) pick = i;
    } else if (counts[i]! >= rule.limit && (pick < 0 || msToEnd[i]! > msToEnd[pick]!)) {
      pick = i;
    }
  }
  if (pick < 0) throw new Error("decide() needs at least one rule, and an exhausted one when rejecting");
  const rule = rules[pick]!;
  const resetMs = msToEnd[pick]!;
  return {
    allowed: admitted,
    limit: rule.limit,
    remaining: Math.max(0, rule.limit - counts[pick]!),
    resetMs,
    retryAfterMs: admitted ? 0 : resetMs,
    blockedBy: admitted ? null : rule.id,
    degraded: false,
  };
}

/**
 * The decision when the limiter cannot answer: any `fail-closed` rule rejects (so does `local`, whose
 * in-memory share this limiter does not implement; the data plane refuses such rules before they get here);
 * if all rules are `fail-open`, the request
 * proceeds uncounted. Counts are unknown, so an admitted request reports the smallest limit as remaining;
 * its reset comes from the local clock, which is fine for a hint that no counter depends on.
 */
export function failurePolicyDecision(rules: readonly RequestRule[], nowMs: number): LimitDecision {
  let tightest: RequestRule | undefined;
  for (const rule of rules) {
    switch (rule.failurePolicy) {
      case "fail-closed":
      case "local":
        return {
          allowed: false,
          limit: rule.limit,
          remaining: 0,
          resetMs: DEGRADED_RETRY_AFTER_MS,
          retryAfterMs: DEGRADED_RETRY_AFTER_MS,
          blockedBy: rule.id,
          degraded: true,
        };
      case "fail-open":
        if (!tightest || rule.limit < tightest.limit) tightest = rule;
        break;
      default:
        throw new Error(`unknown failure policy ${rule.failurePolicy satisfies never}`);
    }
  }
  if (!tightest) return NO_RULES_DECISION;
  return {
    allowed: true,
    limit: tightest.limit,
    remaining: tightest.limit,
    resetMs: tightest.windowMs - (nowMs % tightest.windowMs),
    retryAfterMs: 0,
    blockedBy: null,
    degraded: true,
  };
}

/** Throws on a rule the data plane should never have compiled; this is a broken invariant, not a request error. */
export function assertValidRule(rule: RequestRule): void {
  if (!Number.isSafeInteger(rule.limit) || rule.limit < 0) throw new Error(`rule ${rule.id}: bad limit`);
  if (!Number.isSafeInteger(rule.windowMs) || rule.windowMs <= 0) throw new Error(`rule ${rule.id}: bad windowMs`);
}
