/**
 * `@switchyard/ratelimit/inspect`: reads the current counters of limit rules without changing anything, for
 * the control plane's "current counters of a consumer's limits". Uses the engine's key layout and windows, and
 * the data plane's derivation of rules from limit specs (`limitRule`).
 */
import type { LimitRule } from "./engine-types.ts";
import { counterBase, counterKey } from "./limit-keys.ts";
import type { RedisClient } from "./redis-connection.ts";
import { WINDOW_CODE, windowBounds } from "./windows.ts";

// The control plane derives rules from limit specs exactly as the data plane does.
export { limitRule, MICRO_USD, scopeKey } from "./limit-rules.ts";

/** What a rule needs for inspection: enough to find its counter. */
export type InspectedRule = Pick<LimitRule, "id" | "kind" | "window" | "limit" | "scopeKey">;

/** One rule's counter as it stands now. */
export interface CounterReading {
  readonly ruleId: string;
  readonly kind: LimitRule["kind"];
  readonly window: LimitRule["window"];
  readonly scopeKey: string;
  readonly limit: number;
  /** Requests, tokens or micro-USD counted in the current window (reservations included), or active slots. */
  readonly used: number;
  readonly remaining: number;
  /** The current window's start (epoch ms, Redis's clock); null for concurrency. */
  readonly windowStartMs: number | null;
  /** The current window's end (epoch ms, Redis's clock), when the counter resets; null for concurrency. */
  readonly windowEndMs: number | null;
  /** Milliseconds until the current window ends; null for concurrency. */
  readonly resetMs: number | null;
}

/**
 * Reads every rule's counter in the current UTC window (by Redis's clock), and the unexpired leases of
 * concurrency rules. Two round trips: TIME, then the reads in parallel (GET and ZCOUNT only, so nothing is
 * written and expired leases are not purged, just not counted). Works on a standalone Redis and a Cluster.
 */
export async function readLimitCounters(
  client: RedisClient,
  rules: readonly InspectedRule[],
  opts: { keyPrefix?: string } = {},
): Promise<CounterReading[]> {
  if (rules.length === 0) return [];
  const prefix = opts.keyPrefix ?? "sy";
  const [s, us] = await client.time();
  const now = Number(s) * 1000 + Math.floor(Number(us) / 1000);
  return Promise.all(
    rules.map(async (rule): Promise<CounterReading> => {
      const base = counterBase(prefix, rule);
      const common = {
        ruleId: rule.id,
        kind: rule.kind,
        window: rule.window,
        scopeKey: rule.scopeKey,
        limit: rule.limit,
      };
      if (rule.kind === "concurrency" || rule.window === null) {
        const used = await client.zcount(base, `(${now}`, "+inf");
        return {
          ...common,
          used,
          remaining: Math.max(0, rule.limit - used),
          windowStartMs: null,
          windowEndMs: null,
          resetMs: null,
        };
      }
      const [start, end] = windowBounds(now, WINDOW_CODE[rule.window]);
      const used = Number((await client.get(counterKey(base, start))) ?? 0);
      const remaining = Math.max(0, rule.limit - used);
      return { ...common, used, remaining, windowStartMs: start, windowEndMs: end, resetMs: end - now };
    }),
  );
}
