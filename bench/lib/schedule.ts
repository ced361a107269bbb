/**
 * Open-loop scheduling: request `i` of a run at `rate` per second is due at `startMs + i * 1000 / rate`,
 * whatever happened to the requests before it. Latency is measured from that due time, so a target that
 * falls behind shows the queueing it causes instead of slowing the generator down (coordinated omission).
 */
export interface OpenLoopPlan {
  /** Time origin (performance.now() clock) of request 0. */
  readonly startMs: number;
  /** Milliseconds between two scheduled sends. */
  readonly intervalMs: number;
  /** How many requests the plan holds. */
  readonly total: number;
}

/** A plan sending `rate` requests per second for `durationMs`, starting at `startMs`. */
export function openLoopPlan(startMs: number, rate: number, durationMs: number): OpenLoopPlan {
  if (!(rate > 0)) throw new RangeError(`rate must be positive, got ${rate}`);
  if (!(durationMs >= 0)) throw new RangeError(`duration must be non-negative, got ${durationMs}`);
  return { startMs, intervalMs: 1000 / rate, total: Math.floor((rate * durationMs) / 1000) };
}

/** When request `i` is due. */
export function dueAt(plan: OpenLoopPlan, i: number): number {
  return plan.startMs + i * plan.intervalMs;
}

/**
 * How many requests are due by `nowMs` (the index one past the last due request), never more than the
 * plan holds. A generator sends every request from its current index up to this one on each wake-up.
 */
export function dueCount(plan: OpenLoopPlan, nowMs: number): number {
  if (nowMs < plan.startMs) return 0;
  return Math.min(plan.total, Math.floor((nowMs - plan.startMs) / plan.intervalMs) + 1);
}
