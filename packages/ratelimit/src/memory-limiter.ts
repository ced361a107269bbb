import { assertValidRule, decide, NO_RULES_DECISION } from "./decision.ts";
import { ruleKeyBase, windowKey, windowStart } from "./keys.ts";
import type { LimitDecision, RequestLimiter, RequestRule } from "./types.ts";

/** Options for {@link createMemoryRequestLimiter}. */
export interface MemoryLimiterOptions {
  /** Clock in epoch milliseconds; tests inject one. Defaults to `Date.now`. */
  now?: () => number;
}

/** How often expired windows are swept out of the map. */
const SWEEP_INTERVAL_MS = 60_000;

interface Counter {
  count: number;
  windowEndMs: number;
}

/**
 * An in-process limiter with the same semantics as the Redis one (fixed UTC windows, all-or-nothing
 * counting, rejected requests consume nothing). Counts are per process, so it is for local mode and
 * unit tests only, never for a fleet of data planes.
 */
export function createMemoryRequestLimiter(opts: MemoryLimiterOptions = {}): RequestLimiter {
  const now = opts.now ?? Date.now;
  const counters = new Map<string, Counter>();
  let nextSweepMs = 0;

  function sweep(nowMs: number): void {
    if (nowMs < nextSweepMs) return;
    nextSweepMs = nowMs + SWEEP_INTERVAL_MS;
    for (const [key, c] of counters) if (c.windowEndMs <= nowMs) counters.delete(key);
  }

  function checkNow(rules: readonly RequestRule[]): LimitDecision {
    if (rules.length === 0) return NO_RULES_DECISION;
    const nowMs = now();
    sweep(nowMs);
    const keys: string[] = [];
    const counts: number[] = [];
    const msToEnd: number[] = [];
    let admitted = true;
    for (const rule of rules) {
      assertValidRule(rule);
      const start = windowStart(nowMs, rule.windowMs);
      const key = windowKey(ruleKeyBase("mem", rule), start);
      const count = counters.get(key)?.count ?? 0;
      keys.push(key);
      counts.push(count);
      msToEnd.push(start + rule.windowMs - nowMs);
      if (count >= rule.limit) admitted = false;
    }
    if (admitted) {
      // Rules sharing a key (same scope and window) count the request once, as the Lua script does.
      const after = new Map<string, number>();
      keys.forEach((key, i) => {
        let count = after.get(key);
        if (count === undefined) {
          const c = counters.get(key) ?? { count: 0, windowEndMs: nowMs + msToEnd[i]! };
          c.count += 1;
          counters.set(key, c);
          count = c.count;
          after.set(key, count);
        }
        counts[i] = count;
      });
    }
    return decide(rules, admitted, counts, msToEnd);
  }

  return {
    async check(rules) {
      return checkNow(rules);
    },
    async close() {
      counters.clear();
    },
  };
}
