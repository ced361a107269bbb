import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { LoadJob, LoadMessage, LoadResult } from "./load-job.ts";
import { pinned } from "./proc.ts";

/** Called when the generator's measurement window opens and closes. */
export interface WindowHooks {
  onWindowStart(): void;
  onWindowEnd(): void;
}

/** The orchestrator's handle on the load generator process. */
export interface LoadGenerator {
  readonly pid: number;
  /** Runs one job; jobs run one after the other. */
  run(job: LoadJob, hooks: WindowHooks): Promise<LoadResult>;
  stop(): void;
}

const SCRIPT = fileURLToPath(new URL("../loadgen.ts", import.meta.url));

/** Starts the generator on `cpus` with an IPC channel (taskset execs node, which keeps the channel). */
export function startLoadGenerator(cpus: string | null): LoadGenerator {
  const [cmd, args] = pinned(cpus, process.execPath, [SCRIPT]);
  const child: ChildProcess = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  if (child.pid === undefined) throw new Error("load generator did not start");
  return {
    pid: child.pid,
    run(job, hooks) {
      return new Promise((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`load generator exited with ${code}`));
        const onMessage = (m: LoadMessage) => {
          if (m.type === "window-start") hooks.onWindowStart();
          else if (m.type === "window-end") hooks.onWindowEnd();
          else {
            child.off("message", onMessage);
            child.off("exit", onExit);
            if (m.type === "result") resolve(m.result);
            else reject(new Error(`load generator: ${m.message}`));
          }
        };
        child.on("message", onMessage);
        child.once("exit", onExit);
        child.send(job);
      });
    },
    stop() {
      if (child.connected) child.disconnect();
    },
  };
}
