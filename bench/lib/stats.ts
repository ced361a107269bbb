/** Latency percentiles and summary figures; pure, so the calculation is unit-tested on its own. */

/** A latency sample summarised; all times in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The nearest-rank percentile of an ascending array: the smallest value such that at least `p` percent of
 * the samples are at or below it. No interpolation, so the figure is always a latency that was observed.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Sorts a copy of the samples and summarises them; an empty sample gives NaN figures and a count of 0. */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const n = sorted.length;
  return {
    count: n,
    mean: n === 0 ? Number.NaN : sum / n,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: n === 0 ? Number.NaN : sorted[n - 1]!,
  };
}

/**
 * What a target adds over the baseline at each percentile (`target - baseline`). Comparing the same
 * percentile of two runs at the same offered rate is how added latency is read off open-loop results.
 */
export function addedLatency(
  target: LatencySummary,
  baseline: LatencySummary,
): { p50: number; p90: number; p99: number } {
  return { p50: target.p50 - baseline.p50, p90: target.p90 - baseline.p90, p99: target.p99 - baseline.p99 };
}

/** A growable sample buffer: pushing a number allocates nothing until the buffer doubles. */
export class Samples {
  private buf = new Float64Array(1024);
  private n = 0;

  push(v: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = v;
  }

  get length(): number {
    return this.n;
  }

  /** The samples so far, as a view (not a copy). */
  values(): Float64Array {
    return this.buf.subarray(0, this.n);
  }
}
