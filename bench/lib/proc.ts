import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** Clock ticks per second of /proc's utime and stime (`getconf CLK_TCK`; 100 on mainstream builds). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat. The command
 * name in field 2 may contain spaces, so fields are counted from the closing parenthesis.
 */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the name: state is field 3, so utime (14) and stime (15) sit at offsets 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident set size of a process in bytes, from /proc/<pid>/status. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** Which CPUs each role runs on; `null` where pinning is unavailable. */
export interface CoreLayout {
  /** The process being measured (mock, baseline proxy or data plane). */
  readonly target: string | null;
  /**
   * The data plane's Redis: part of the system under test (its round trip is part of every request), so it
   * never shares a CPU with the load generator, whose saturation would otherwise show up as Redis latency.
   */
  readonly redis: string | null;
  /** Everything else: load generator, mock upstream (when not the target), control plane, PostgreSQL. */
  readonly rest: string | null;
  /** Why the layout is what it is, for the report. */
  readonly note: string;
}

function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * The target gets the last CPU; Redis the one before it when there are three or more, else it shares the
 * target's (it only runs while the data plane waits for it); everything else shares the rest. With one CPU,
 * or without taskset, nothing is pinned and the report says so.
 */
export function coreLayout(): CoreLayout {
  const n = availableParallelism();
  if (n < 2) return { target: null, redis: null, rest: null, note: "1 CPU: nothing pinned" };
  if (!hasTaskset()) return { target: null, redis: null, rest: null, note: "taskset not found: nothing pinned" };
  const target = String(n - 1);
  if (n === 2) {
    return {
      target,
      redis: target,
      rest: "0",
      note: "target (and the data plane's Redis) on CPU 1; load generator, mock upstream, control plane on CPU 0",
    };
  }
  const redis = String(n - 2);
  const rest = n === 3 ? "0" : `0-${n - 3}`;
  return {
    target,
    redis,
    rest,
    note: `target on CPU ${target}; the data plane's Redis on CPU ${redis}; load generator, mock upstream, control plane on CPU ${rest}`,
  };
}

/** Pins every thread of a running process to `cpus` (taskset list syntax); a no-op for `null`. */
export function pin(pid: number, cpus: string | null): void {
  if (cpus === null) return;
  execFileSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" });
}

/** The pids of a process's children (from /proc), e.g. PostgreSQL's background processes. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Pins a process and its current children to `cpus` and gives every thread of theirs the lowest scheduling
 * priority (nice 19); processes and threads they start later inherit both. For work that is not on the
 * measured request path but shares the load side's CPU (the control plane and PostgreSQL ingesting usage
 * records): it runs in the CPU's idle time instead of preempting the load generator and the upstream mock,
 * which would otherwise show up as latency of (3) only.
 */
export function background(pid: number, cpus: string | null): void {
  for (const p of [pid, ...childPids(pid)]) {
    try {
      pin(p, cpus);
      const tasks = readdirSync(`/proc/${p}/task`);
      execFileSync("renice", ["-n", "19", "-p", ...tasks], { stdio: "ignore" });
    } catch {
      // A process that ended meanwhile (a PostgreSQL worker) needs nothing.
    }
  }
}

/** The command line that runs `cmd args` on `cpus`: through taskset, or unchanged for `null`. */
export function pinned(cpus: string | null, cmd: string, args: readonly string[]): [string, string[]] {
  return cpus === null ? [cmd, [...args]] : ["taskset", ["-c", cpus, cmd, ...args]];
}
