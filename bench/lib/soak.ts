import type { LoadJob, LoadResult } from "./load-job.ts";
import type { LoadGenerator } from "./loadgen-client.ts";
import { rssBytes } from "./proc.ts";
import { promValue } from "./prom-text.ts";

/**
 * prom-client samples the event loop with monitorEventLoopDelay at its default 10 ms resolution, and the
 * histogram records whole sampling intervals: an idle loop reads about 10 ms. What the loop adds is the part
 * beyond this interval.
 */
export const EVENT_LOOP_RESOLUTION_MS = 10;

/** The data plane's state over one stretch of the soak. */
export interface SoakSample {
  /** Resident set size at the end of the stretch, from /proc. */
  readonly rssBytes: number;
  /** Event-loop delay over the stretch as prom-client reports it (milliseconds, sampling interval included). */
  readonly eventLoopMeanMs: number;
  readonly eventLoopP99Ms: number;
}

/** A soak: the load result plus the state near its start and near its end. */
export interface SoakResult {
  readonly load: LoadResult;
  readonly start: SoakSample;
  readonly end: SoakSample;
  /** Length of each sampled stretch. */
  readonly sampleMs: number;
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  return res.text();
}

/** A scrape made only to reset prom-client's event-loop histogram; its answer is not needed. */
function reset(url: string): void {
  scrape(url).catch(() => {});
}

/**
 * Runs a long open-loop job against the data plane. prom-client resets its event-loop histogram on every
 * scrape, so a scrape opens a stretch and the next one reads it: one stretch right after the warm-up, one
 * ending with the window, each `sampleMs` long. RSS is read from /proc at the end of each stretch.
 */
export async function soak(
  gen: LoadGenerator,
  dp: { pid: number; metricsUrl: string },
  job: LoadJob,
  sampleMs: number,
): Promise<SoakResult> {
  const sample = async (): Promise<SoakSample> => {
    const text = await scrape(dp.metricsUrl);
    return {
      rssBytes: rssBytes(dp.pid),
      eventLoopMeanMs: promValue(text, "nodejs_eventloop_lag_mean_seconds") * 1000,
      eventLoopP99Ms: promValue(text, "nodejs_eventloop_lag_p99_seconds") * 1000,
    };
  };
  let start: Promise<SoakSample> | undefined;
  let end: Promise<SoakSample> | undefined;
  const timers: NodeJS.Timeout[] = [];
  const load = await gen.run(job, {
    onWindowStart() {
      reset(dp.metricsUrl);
      start = new Promise((resolve, reject) => timers.push(setTimeout(() => sample().then(resolve, reject), sampleMs)));
      timers.push(setTimeout(() => reset(dp.metricsUrl), job.durationMs - sampleMs));
    },
    onWindowEnd() {
      end = sample();
    },
  });
  for (const t of timers) clearTimeout(t);
  if (!start || !end) throw new Error("the soak's window never opened or closed");
  return { load, start: await start, end: await end, sampleMs };
}
