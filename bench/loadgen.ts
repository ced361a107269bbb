import { runClosedLoop } from "./lib/closed-loop.ts";
import type { LoadJob, LoadMessage } from "./lib/load-job.ts";
import { runOpenLoop } from "./lib/open-loop.ts";

/**
 * The load generator process, started once per benchmark run with an IPC channel. It runs one job at a time
 * and reports when its measurement window opens and closes (the orchestrator reads the target's CPU time at
 * those moments), then the result. Keeping it a separate process, pinned away from the target, means the
 * generator's own work never lands on the target's CPU.
 */

function send(msg: LoadMessage): void {
  process.send?.(msg);
}

process.on("message", (job: LoadJob) => {
  const notify = (phase: "window-start" | "window-end") => send({ type: phase });
  const run = job.kind === "closed" ? runClosedLoop(job, notify) : runOpenLoop(job, notify);
  run.then(
    (result) => send({ type: "result", result }),
    (e: unknown) => send({ type: "failed", message: e instanceof Error ? e.message : String(e) }),
  );
});
process.on("disconnect", () => process.exit(0));
