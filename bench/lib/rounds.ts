import type { LoadResult } from "./load-job.ts";
import type { Measured } from "./measure.ts";
import type { LatencySummary } from "./stats.ts";

/**
 * Rounds: every measurement of a run is taken several times, the targets alternating within each round, so
 * that a burst of load from another tenant of the machine lands in one round of one target rather than in the
 * only window a target gets. Figures are medians over rounds; comparisons between targets (ratios, added
 * latency) are medians of the per-round comparisons, since targets measured back to back in one round share
 * the machine's state of that moment.
 */

/** The median of the finite values (the mean of the middle two for an even count); NaN when there are none. */
export function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

function summaryMedian(s: readonly LatencySummary[]): LatencySummary {
  return {
    count: s.reduce((n, x) => n + x.count, 0),
    mean: median(s.map((x) => x.mean)),
    p50: median(s.map((x) => x.p50)),
    p90: median(s.map((x) => x.p90)),
    p99: median(s.map((x) => x.p99)),
    max: Math.max(...s.map((x) => x.max)),
  };
}

/**
 * One measurement standing for several rounds of the same target: counts (requests, errors, window, CPU
 * seconds) are summed, rates and percentiles are the medians of the rounds' figures, the maximum is the
 * largest seen.
 */
export function combineRounds(rounds: readonly Measured[]): Measured {
  if (rounds.length === 0) throw new Error("no rounds to combine");
  if (rounds.length === 1) return rounds[0]!;
  const loads = rounds.map((r) => r.load);
  const lags = loads.map((l) => l.sendLag).filter((l): l is LatencySummary => l !== null);
  const load: LoadResult = {
    kind: loads[0]!.kind,
    ok: loads.reduce((n, l) => n + l.ok, 0),
    errors: loads.reduce((n, l) => n + l.errors, 0),
    windowMs: loads.reduce((n, l) => n + l.windowMs, 0),
    rps: median(loads.map((l) => l.rps)),
    latency: summaryMedian(loads.map((l) => l.latency)),
    ttfb: summaryMedian(loads.map((l) => l.ttfb)),
    sendLag: lags.length > 0 ? summaryMedian(lags) : null,
  };
  const companion = rounds.map((r) => r.companionCpuUsPerRequest).filter((c): c is number => c !== undefined);
  return {
    load,
    cpuSeconds: rounds.reduce((n, r) => n + r.cpuSeconds, 0),
    cpuUsPerRequest: median(rounds.map((r) => r.cpuUsPerRequest)),
    cpuUtilization: median(rounds.map((r) => r.cpuUtilization)),
    ...(companion.length > 0 ? { companionCpuUsPerRequest: median(companion) } : {}),
  };
}

/**
 * A comparison of two targets: `f` of their measurements in each round they both have, in round order, and
 * its median. With either target missing, no rounds and NaN.
 */
export function compareRounds(
  a: readonly Measured[] | undefined,
  b: readonly Measured[] | undefined,
  f: (a: Measured, b: Measured) => number,
): { value: number; rounds: number[] } {
  const rounds = a && b ? perRound(a, b, f) : [];
  return { value: median(rounds), rounds };
}

/** `f` of the two targets' measurements in each round they both have, in round order. */
export function perRound(
  a: readonly Measured[],
  b: readonly Measured[],
  f: (a: Measured, b: Measured) => number,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) out.push(f(a[i]!, b[i]!));
  return out;
}
