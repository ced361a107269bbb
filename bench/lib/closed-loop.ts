import { Pool } from "undici";
import type { ClosedJob, LoadResult } from "./load-job.ts";
import { prepare } from "./prepare.ts";
import { sendRequest } from "./send-request.ts";
import { Samples, summarize } from "./stats.ts";

/**
 * Closed loop: `connections` clients, each sending its next request as soon as the previous one ended, for
 * the warm-up and then the window. It finds the most a target can do; its latencies describe a saturated
 * target and are not used as latency figures (the open loop gives those).
 */
export async function runClosedLoop(
  job: ClosedJob,
  notify: (phase: "window-start" | "window-end") => void,
): Promise<LoadResult> {
  const pool = new Pool(job.requests[0]!.origin, { connections: job.connections, keepAliveTimeout: 60_000 });
  const prepared = prepare(job.requests);
  const latency = new Samples();
  const ttfb = new Samples();
  let ok = 0;
  let errors = 0;
  let sent = 0;
  const t0 = performance.now();
  const windowStart = t0 + job.warmupMs;
  const windowEnd = windowStart + job.durationMs;
  // The end is announced by whichever comes first, its timer or the first client to see the time is up,
  // so the orchestrator's CPU reading never waits on a late timer or misses the end.
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    notify("window-end");
  };
  const timers = [
    setTimeout(() => notify("window-start"), job.warmupMs),
    setTimeout(end, job.warmupMs + job.durationMs),
  ];

  await new Promise<void>((resolve) => {
    let active = job.connections;
    const loop = () => {
      const start = performance.now();
      if (start >= windowEnd) {
        end();
        if (--active === 0) resolve();
        return;
      }
      sendRequest(pool, prepared[sent++ % prepared.length]!, (t) => {
        if (t.endMs >= windowStart && t.endMs < windowEnd) {
          if (t.ok) {
            ok++;
            latency.push(t.endMs - start);
            ttfb.push(t.firstByteMs - start);
          } else errors++;
        }
        loop();
      });
    };
    for (let i = 0; i < job.connections; i++) loop();
  });
  for (const t of timers) clearTimeout(t);
  await pool.close();
  return {
    kind: "closed",
    ok,
    errors,
    windowMs: job.durationMs,
    rps: (ok * 1000) / job.durationMs,
    latency: summarize(latency.values()),
    ttfb: summarize(ttfb.values()),
    sendLag: null,
  };
}
