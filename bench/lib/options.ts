import { parseArgs } from "node:util";

/** Durations and rates of one run. */
export interface RunPlan {
  readonly quick: boolean;
  /**
   * How many times each closed-loop and open-loop measurement is taken, the targets alternating within each
   * round (see rounds.ts); `warmupMs` comes before a target's first round, `roundWarmupMs` before the others.
   */
  readonly rounds: number;
  readonly closed: {
    readonly connections: number;
    readonly warmupMs: number;
    readonly roundWarmupMs: number;
    readonly durationMs: number;
  };
  readonly open: {
    readonly rates: readonly number[];
    readonly connections: number;
    readonly warmupMs: number;
    readonly roundWarmupMs: number;
    readonly durationMs: number;
  };
  readonly soak: {
    readonly rate: number;
    readonly warmupMs: number;
    readonly durationMs: number;
    readonly sampleMs: number;
  };
}

/** What the command line chose. */
export interface BenchOptions {
  readonly plan: RunPlan;
  /** Run the data plane with `--cpu-prof`; the profile lands in the run's folder. */
  readonly profile: boolean;
  /** The data plane's LOG_LEVEL. */
  readonly logLevel: string;
  /** Skip the soak (for profiling sessions). */
  readonly soak: boolean;
  /** Only the closed loop of this mode, on the proxies and the data plane: quick comparisons and profiles. */
  readonly focus: "plain" | "stream" | null;
  /** Leave the request limit out of (3), to measure what limiting costs. */
  readonly limit: boolean;
  /** Extra NODE_OPTIONS for the data plane (V8 flags, heap profiling). */
  readonly nodeOptions: string;
  /** Sample (2), (2h) and (3) with Linux perf in their closed-loop windows and break their CPU down. */
  readonly perf: boolean;
}

/**
 * The full run: about 8 minutes of load plus start-up, inside the 10 minutes the issue allows. The first
 * closed-loop warm-up of a target is long enough for V8 to finish optimising the data plane's request path
 * (a second or two of load is not: the first runs measured a half-optimised process at twice its steady
 * cost); later rounds need only a second for the connections and the window to settle. Three rounds of 3 s
 * measure about as long as one window of 10 s (closed) or 8 s (open) did, but a burst of someone else's load
 * now spoils one round of one target instead of the whole figure.
 */
const FULL: RunPlan = {
  quick: false,
  rounds: 3,
  closed: { connections: 16, warmupMs: 5_000, roundWarmupMs: 1_000, durationMs: 3_000 },
  open: { rates: [100, 500, 2000], connections: 256, warmupMs: 2_000, roundWarmupMs: 1_000, durationMs: 3_000 },
  soak: { rate: 300, warmupMs: 15_000, durationMs: 120_000, sampleMs: 30_000 },
};

/** `--quick`: the same scenarios with short windows, for development; its numbers are rough. */
const QUICK: RunPlan = {
  quick: true,
  rounds: 1,
  closed: { connections: 16, warmupMs: 3_000, roundWarmupMs: 1_000, durationMs: 3_000 },
  open: { rates: [100, 500, 2000], connections: 256, warmupMs: 1_000, roundWarmupMs: 1_000, durationMs: 3_000 },
  soak: { rate: 300, warmupMs: 2_000, durationMs: 12_000, sampleMs: 4_000 },
};

export const USAGE = `npm run bench [-- options]
  --quick            short windows (about 2 minutes in all); rough numbers, for development
  --profile          run the data plane with --cpu-prof; the .cpuprofile is written to the run folder
  --no-soak          skip the 2-minute soak
  --focus MODE       only the closed loop in MODE (plain or stream) on (2), (2h) and (3); no soak
  --log-level LEVEL  the data plane's LOG_LEVEL (default info, as in production); warn drops the access log
  --no-limit         no request limit on the consumer (what limiting costs; not a comparable run)
  --node-options=S   extra NODE_OPTIONS for the data plane (V8 flags, --heap-prof ...)
  --perf             sample (2), (2h) and (3) with Linux perf (kernel included) in their closed-loop windows
                     and print where their CPU goes, in µs per request (needs perf: apt-get install linux-perf)
  --help             this text`;

/** Parses the command line; unknown options are an error. */
export function parseOptions(argv: readonly string[]): BenchOptions | "help" {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      "no-soak": { type: "boolean", default: false },
      "log-level": { type: "string", default: "info" },
      focus: { type: "string" },
      "no-limit": { type: "boolean", default: false },
      "node-options": { type: "string", default: "" },
      perf: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) return "help";
  const focus = values.focus ?? null;
  if (focus !== null && focus !== "plain" && focus !== "stream") throw new Error("--focus takes plain or stream");
  return {
    plan: values.quick ? QUICK : FULL,
    profile: values.profile,
    logLevel: values["log-level"],
    soak: !values["no-soak"] && focus === null,
    focus,
    limit: !values["no-limit"],
    nodeOptions: values["node-options"],
    perf: values.perf,
  };
}
