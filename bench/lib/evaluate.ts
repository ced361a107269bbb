import type { LatencyRow, Mode, TargetCheck, ThroughputRow } from "./results.ts";
import { EVENT_LOOP_RESOLUTION_MS, type SoakResult } from "./soak.ts";
import type { TargetName } from "./target.ts";

/** The offered rate the latency targets are stated at. */
export const TARGET_RATE = 500;

function check(name: string, measured: number, bound: "min" | "max", limit: number, unit: string): TargetCheck {
  const met = Number.isFinite(measured) && (bound === "min" ? measured >= limit : measured <= limit);
  return { name, measured, limit, bound, unit, met };
}

/**
 * Checks a run against the targets. Throughput per core is the inverse of CPU time per request, so
 * the per-core ratio of (3) to (2) is (2)'s CPU per request over (3)'s: it does not depend on which process
 * happened to be the bottleneck on a shared machine.
 */
export function evaluate(
  throughput: readonly ThroughputRow[],
  latency: readonly LatencyRow[],
  soak: SoakResult | null,
): TargetCheck[] {
  const cpu = (t: TargetName, m: Mode) =>
    throughput.find((r) => r.target === t && r.mode === m)?.measured.cpuUsPerRequest ?? Number.NaN;
  const at = (t: TargetName, m: Mode) =>
    latency.find((r) => r.target === t && r.mode === m && r.rate === TARGET_RATE)?.measured.load;
  const added = (m: Mode, pick: (l: NonNullable<ReturnType<typeof at>>) => number) => {
    const sy = at("switchyard", m);
    const direct = at("direct", m);
    return sy && direct ? pick(sy) - pick(direct) : Number.NaN;
  };
  const checks = [
    check(
      "non-streaming throughput per core, (3) / (2)",
      cpu("proxy", "plain") / cpu("switchyard", "plain"),
      "min",
      0.7,
      "x",
    ),
    check(
      "streaming throughput per core, (3) / (2)",
      cpu("proxy", "stream") / cpu("switchyard", "stream"),
      "min",
      0.6,
      "x",
    ),
    check(
      `non-streaming added p50 at ${TARGET_RATE} rps`,
      added("plain", (l) => l.latency.p50),
      "max",
      0.5,
      "ms",
    ),
    check(
      `non-streaming added p99 at ${TARGET_RATE} rps`,
      added("plain", (l) => l.latency.p99),
      "max",
      2,
      "ms",
    ),
    check(
      `streaming added p50 at ${TARGET_RATE} rps`,
      added("stream", (l) => l.latency.p50),
      "max",
      0.5,
      "ms",
    ),
    check(
      `streaming added p99 at ${TARGET_RATE} rps`,
      added("stream", (l) => l.latency.p99),
      "max",
      2,
      "ms",
    ),
    check(
      `streaming added TTFB p50 at ${TARGET_RATE} rps`,
      added("stream", (l) => l.ttfb.p50),
      "max",
      0.5,
      "ms",
    ),
  ];
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
