import type { LoadJob, LoadResult } from "./load-job.ts";
import type { LoadGenerator, WindowHooks } from "./loadgen-client.ts";
import { cpuSeconds } from "./proc.ts";

/** A load result with the target process's CPU use over the same window. */
export interface Measured {
  readonly load: LoadResult;
  /** CPU seconds (user + system, all threads) the target used inside the window. */
  readonly cpuSeconds: number;
  /** Target CPU per successful request, in microseconds. */
  readonly cpuUsPerRequest: number;
  /** Share of one CPU the target used (1 = a whole core busy). */
  readonly cpuUtilization: number;
  /** CPU per successful request of a process the target depends on (the data plane's Redis), if asked for. */
  readonly companionCpuUsPerRequest?: number;
}

/**
 * Runs a job and reads the target's CPU time when the generator opens and closes its window, so warm-up
 * and drain are left out. /proc counts in clock ticks (10 ms): runs are long enough for that to be noise.
 */
export async function measure(
  gen: LoadGenerator,
  targetPid: number,
  job: LoadJob,
  companionPid?: number,
  hooks?: WindowHooks,
): Promise<Measured> {
  let cpu0 = Number.NaN;
  let cpu1 = Number.NaN;
  let side0 = 0;
  let side1 = 0;
  let t0 = 0;
  let t1 = 0;
  const load = await gen.run(job, {
    onWindowStart() {
      if (companionPid !== undefined) side0 = cpuSeconds(companionPid);
      cpu0 = cpuSeconds(targetPid);
      t0 = performance.now();
      hooks?.onWindowStart();
    },
    onWindowEnd() {
      hooks?.onWindowEnd();
      cpu1 = cpuSeconds(targetPid);
      if (companionPid !== undefined) side1 = cpuSeconds(companionPid);
      t1 = performance.now();
    },
  });
  if (Number.isNaN(cpu0) || Number.isNaN(cpu1)) throw new Error("the load generator did not report its window");
  const used = cpu1 - cpu0;
  return {
    load,
    cpuSeconds: used,
    cpuUsPerRequest: load.ok > 0 ? (used / load.ok) * 1e6 : Number.NaN,
    cpuUtilization: t1 > t0 ? used / ((t1 - t0) / 1000) : Number.NaN,
    ...(companionPid !== undefined && load.ok > 0
      ? { companionCpuUsPerRequest: ((side1 - side0) / load.ok) * 1e6 }
      : {}),
  };
}
