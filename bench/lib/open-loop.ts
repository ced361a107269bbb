import { Pool } from "undici";
import type { LoadResult, OpenJob } from "./load-job.ts";
import { prepare } from "./prepare.ts";
import { dueAt, dueCount, openLoopPlan } from "./schedule.ts";
import { sendRequest } from "./send-request.ts";
import { Samples, summarize } from "./stats.ts";

/** How long requests still in flight after the last send may take before they count as errors. */
const DRAIN_MS = 30_000;

/**
 * Open loop: request i is due at a fixed time whatever happened to the ones before, and its latency runs
 * from that due time, so time spent queued (in the target or, past `connections`, in the generator) is
 * counted rather than hidden. Requests due during the warm-up are sent but not recorded.
 */
export async function runOpenLoop(
  job: OpenJob,
  notify: (phase: "window-start" | "window-end") => void,
): Promise<LoadResult> {
  const pool = new Pool(job.requests[0]!.origin, { connections: job.connections, keepAliveTimeout: 60_000 });
  const prepared = prepare(job.requests);
  const latency = new Samples();
  const ttfb = new Samples();
  const sendLag = new Samples();
  let ok = 0;
  let errors = 0;
  let inFlight = 0;
  const t0 = performance.now() + 1;
  const windowStart = t0 + job.warmupMs;
  const plan = openLoopPlan(t0, job.rate, job.warmupMs + job.durationMs);
  const startTimer = setTimeout(() => notify("window-start"), windowStart - performance.now());

  let lastSent = 0;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = dueCount(plan, now);
      for (; next < due; next++) {
        const at = dueAt(plan, next);
        const measured = at >= windowStart;
        if (measured) sendLag.push(now - at);
        inFlight++;
        sendRequest(pool, prepared[next % prepared.length]!, (t) => {
          inFlight--;
          if (measured) {
            if (t.ok) {
              ok++;
              latency.push(t.endMs - at);
              ttfb.push(t.firstByteMs - at);
            } else errors++;
          }
        });
      }
      lastSent = now;
      if (next < plan.total) setTimeout(tick, Math.max(0, dueAt(plan, next) - performance.now()));
      else resolve();
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
  notify("window-end");
  clearTimeout(startTimer);
  const drainDeadline = lastSent + DRAIN_MS;
  while (inFlight > 0 && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 5));
  errors += inFlight;
  await pool.destroy();
  return {
    kind: "open",
    ok,
    errors,
    windowMs: job.durationMs,
    rps: (ok * 1000) / job.durationMs,
    latency: summarize(latency.values()),
    ttfb: summarize(ttfb.values()),
    sendLag: summarize(sendLag.values()),
  };
}
