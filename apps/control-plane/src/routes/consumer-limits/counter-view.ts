import type { LimitSpec } from "@switchyard/policy";
import { type CounterReading, MICRO_USD } from "@switchyard/ratelimit/inspect";

/** Budgets are counted in micro-dollars; the admin API reports them in USD like the limit itself. */
function inLimitUnit(spec: LimitSpec, n: number): number {
  return spec.kind === "cost_usd" ? n / MICRO_USD : n;
}

/**
 * One limit's counter as the admin API shows it: `used` counts requests, tokens or USD in the current UTC
 * window (in-flight reservations included) or the concurrency slots held now; `resetAt` is null for concurrency.
 */
export function counterView(spec: LimitSpec, r: CounterReading) {
  return {
    limitId: spec.id,
    kind: spec.kind,
    window: spec.window,
    scope: spec.scope,
    scopeId: spec.scopeId,
    mode: spec.mode,
    limit: spec.limit,
    used: inLimitUnit(spec, r.used),
    remaining: inLimitUnit(spec, r.remaining),
    windowStart: r.windowStartMs === null ? null : new Date(r.windowStartMs).toISOString(),
    resetAt: r.windowEndMs === null ? null : new Date(r.windowEndMs).toISOString(),
    resetMs: r.resetMs,
  };
}
