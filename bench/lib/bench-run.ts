import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type CoreLayout, coreLayout, pin } from "./proc.ts";

/** What a benchmark script starts with: its time stamp, folders, core layout and cleanup list. */
export interface BenchRun {
  readonly startedAt: Date;
  /** The start time as a file-name part. */
  readonly stamp: string;
  /** bench/results/, where the JSON and markdown results go. */
  readonly resultsDir: string;
  /** The run's own folder (logs, profiles). */
  readonly runDir: string;
  readonly layout: CoreLayout;
  /** Stop functions, run in reverse order by `cleanup`. */
  readonly cleanups: (() => Promise<unknown>)[];
  cleanup(): Promise<void>;
}

/**
 * Makes the run's folder (`bench/results/<prefix><stamp>`), pins this process to the load side's cores and
 * logs the layout. `cleanup` stops what was registered, newest first, ignoring failures.
 */
export function startBenchRun(prefix: string, log: (msg: string) => void): BenchRun {
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  const resultsDir = new URL("../results/", import.meta.url).pathname;
  const runDir = join(resultsDir, `${prefix}${stamp}`);
  mkdirSync(runDir, { recursive: true });
  const layout = coreLayout();
  pin(process.pid, layout.rest);
  log(`${layout.note}; logs in ${runDir}`);
  const cleanups: (() => Promise<unknown>)[] = [];
  return {
    startedAt,
    stamp,
    resultsDir,
    runDir,
    layout,
    cleanups,
    async cleanup() {
      for (const c of cleanups.reverse()) await c().catch(() => {});
    },
  };
}
