import type { LoadResult } from "./load-job.ts";
import type { LatencyRow, Mode, TargetCheck, ThroughputRow } from "./results.ts";
import { compareRounds } from "./rounds.ts";
import { EVENT_LOOP_RESOLUTION_MS, type SoakResult } from "./soak.ts";
import type { TargetName } from "./target.ts";

/** The offered rate the latency targets are stated at. */
export const TARGET_RATE = 500;

function check(
  name: string,
  measured: number,
  bound: "min" | "max",
  limit: number,
  unit: string,
  rounds?: readonly number[],
): TargetCheck {
  const met = Number.isFinite(measured) && (bound === "min" ? measured >= limit : measured <= limit);
  return { name, measured, limit, bound, unit, met, ...(rounds && rounds.length > 1 ? { rounds } : {}) };
}

/**
 * Checks a run against the targets. Throughput per core is the inverse of CPU time per request, so
 * the per-core ratio of (3) to (2) is (2)'s CPU per request over (3)'s: it does not depend on which process
 * happened to be the bottleneck on a shared machine. Each comparison is made within each round, between
 * targets measured back to back, and the check takes the median of the rounds.
 */
export function evaluate(
  throughput: readonly ThroughputRow[],
  latency: readonly LatencyRow[],
  soak: SoakResult | null,
): TargetCheck[] {
  const closed = (t: TargetName, m: Mode) => throughput.find((r) => r.target === t && r.mode === m)?.rounds;
  const open = (t: TargetName, m: Mode) =>
    latency.find((r) => r.target === t && r.mode === m && r.rate === TARGET_RATE)?.rounds;
  const perCore = (m: Mode) =>
    compareRounds(closed("proxy", m), closed("switchyard", m), (p, sy) => p.cpuUsPerRequest / sy.cpuUsPerRequest);
  const added = (m: Mode, pick: (l: LoadResult) => number) =>
    compareRounds(open("direct", m), open("switchyard", m), (d, sy) => pick(sy.load) - pick(d.load));
  const checks: TargetCheck[] = [];
  const push = (
    name: string,
    c: { value: number; rounds: number[] },
    bound: "min" | "max",
    limit: number,
    unit: string,
  ) => checks.push(check(name, c.value, bound, limit, unit, c.rounds));
  push("non-streaming throughput per core, (3) / (2)", perCore("plain"), "min", 0.7, "x");
  push("streaming throughput per core, (3) / (2)", perCore("stream"), "min", 0.6, "x");
  push(
    `non-streaming added p50 at ${TARGET_RATE} rps`,
    added("plain", (l) => l.latency.p50),
    "max",
    0.5,
    "ms",
  );
  push(
    `non-streaming added p99 at ${TARGET_RATE} rps`,
    added("plain", (l) => l.latency.p99),
    "max",
    2,
    "ms",
  );
  push(
    `streaming added p50 at ${TARGET_RATE} rps`,
    added("stream", (l) => l.latency.p50),
    "max",
    0.5,
    "ms",
  );
  push(
    `streaming added p99 at ${TARGET_RATE} rps`,
    added("stream", (l) => l.latency.p99),
    "max",
    2,
    "ms",
  );
  push(
    `streaming added TTFB p50 at ${TARGET_RATE} rps`,
    added("stream", (l) => l.ttfb.p50),
    "max",
    0.5,
    "ms",
  );
  if (soak) {
    const change = (a: number, b: number) => (b / a - 1) * 100;
    checks.push(
      check("soak RSS growth, end vs start", change(soak.start.rssBytes, soak.end.rssBytes), "max", 10, "%"),
      // Compared beyond the sampling interval: the raw figures always include its 10 ms, which would make
      // any delay look flat. The p99 is what a request waiting on the loop feels; over 30 s it rests on
      // about 3,000 samples.
      check(
        "soak event-loop delay p99 growth (beyond the 10 ms interval), end vs start",
        change(
          soak.start.eventLoopP99Ms - EVENT_LOOP_RESOLUTION_MS,
          soak.end.eventLoopP99Ms - EVENT_LOOP_RESOLUTION_MS,
        ),
        "max",
        10,
        "%",
      ),
    );
  }
  return checks;
}
