import type { MachineInfo } from "./machine.ts";
import type { Measured } from "./measure.ts";
import type { RunPlan } from "./options.ts";
import type { PerfBreakdown } from "./perf.ts";
import type { SoakResult } from "./soak.ts";
import type { TargetName } from "./target.ts";

/** Non-streaming JSON answers or 16-event SSE streams. */
export type Mode = "plain" | "stream";

/** One closed-loop (maximum throughput) measurement. */
export interface ThroughputRow {
  readonly target: TargetName;
  readonly mode: Mode;
  /** The rounds combined (rounds.ts): medians of the rounds' figures. */
  readonly measured: Measured;
  /** Each round's measurement, in round order. */
  readonly rounds: readonly Measured[];
}

/** One open-loop (fixed offered rate) measurement. */
export interface LatencyRow {
  readonly target: TargetName;
  readonly mode: Mode;
  readonly rate: number;
  /** The rounds combined (rounds.ts): medians of the rounds' figures. */
  readonly measured: Measured;
  /** Each round's measurement, in round order. */
  readonly rounds: readonly Measured[];
}

/** One of the targets, checked against a run. */
export interface TargetCheck {
  readonly name: string;
  readonly measured: number;
  readonly limit: number;
  /** `min`: measured must be at least the limit; `max`: at most. */
  readonly bound: "min" | "max";
  readonly unit: string;
  readonly met: boolean;
  /** The comparison in each round, when `measured` is their median. */
  readonly rounds?: readonly number[];
}

/** Everything a run produced; written as JSON, rendered as markdown. */
export interface BenchResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly pinning: string;
  readonly plan: RunPlan;
  readonly dataPlaneLogLevel: string;
  /** Features of target (3) not yet in place, stated in the table. */
  readonly notes: readonly string[];
  readonly throughput: readonly ThroughputRow[];
  readonly latency: readonly LatencyRow[];
  readonly soak: SoakResult | null;
  readonly checks: readonly TargetCheck[];
  /** `--perf`: CPU breakdowns of closed-loop windows. */
  readonly perf?: readonly PerfRow[];
}

/** One closed-loop window sampled with Linux perf (`--perf`). */
export interface PerfRow {
  readonly target: TargetName;
  readonly mode: Mode;
  /** Requests answered in the window, to turn samples into µs per request. */
  readonly ok: number;
  readonly hz: number;
  readonly breakdown: PerfBreakdown;
}
