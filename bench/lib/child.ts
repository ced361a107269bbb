import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, createWriteStream, openSync } from "node:fs";
import { pinned } from "./proc.ts";

/** A helper process of the benchmark (mock upstream, baseline proxy, data plane). */
export interface BenchChild {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Sends SIGTERM and waits for the exit, killing it if it has not gone within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** How to start a helper. */
export interface ChildSpec {
  readonly name: string;
  /** Arguments to `node` (a script path and its arguments, or flags first). */
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: Record<string, string>;
  /** CPUs to pin to (taskset list), or null. */
  readonly cpus: string | null;
  /** Where the process's output goes; a file keeps a chatty process from costing the orchestrator CPU. */
  readonly logFile: string;
  /** A line on stdout that means "ready"; when absent the caller waits in its own way. */
  readonly readyLine?: RegExp;
  readonly readyTimeoutMs?: number;
}

function stopper(child: ChildProcess): (graceMs?: number) => Promise<void> {
  return (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    });
  };
}

/**
 * Starts `node <args>`, pins it, sends its output to a log file and, when `readyLine` is given, resolves
 * with the line's first capture group once it appears (the port, for the bench's own servers).
 */
export async function startChild(spec: ChildSpec): Promise<{ proc: BenchChild; ready: string }> {
  // taskset execs node, so the pid is node's and every thread node ever starts inherits the pinning.
  const [cmd, args] = pinned(spec.cpus, process.execPath, spec.args);
  // Without a ready line the process writes straight into its log file. Relaying its output through a pipe
  // would make this process (on the load generator's CPU) the reader, and a busy reader makes a chatty
  // writer such as the data plane's access log pay for partial writes to a full pipe.
  const fileFd = spec.readyLine ? null : openSync(spec.logFile, "w");
  const child = spawn(cmd, args, {
    cwd: spec.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...spec.env },
    stdio: fileFd === null ? ["ignore", "pipe", "pipe"] : ["ignore", fileFd, fileFd],
  });
  if (fileFd !== null) closeSync(fileFd);
  if (child.pid === undefined) throw new Error(`${spec.name} did not start`);
  const proc: BenchChild = { name: spec.name, pid: child.pid, child, stop: stopper(child) };
  if (!spec.readyLine) return { proc, ready: "" };
  const log = createWriteStream(spec.logFile);
  child.stderr?.pipe(log);
  const pattern = spec.readyLine;
  const ready = await new Promise<string>((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(
      () => reject(new Error(`${spec.name} not ready; see ${spec.logFile}`)),
      spec.readyTimeoutMs ?? 30_000,
    );
    const onData = (d: Buffer) => {
      seen += d.toString();
      const m = pattern.exec(seen);
      if (!m) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      log.write(seen);
      child.stdout?.pipe(log);
      resolve(m[1] ?? "");
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${spec.name} exited with ${code}; see ${spec.logFile}`));
    });
  });
  return { proc, ready };
}
