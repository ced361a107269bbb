import { type ChildProcess, execFileSync, spawn } from "node:child_process";

/**
 * `--perf`: where a target's CPU goes, kernel included. V8's `--cpu-prof` samples only JavaScript and the
 * time a thread spends in a system call lands on the JavaScript frame that made it; Linux `perf` samples the
 * CPU itself (user and kernel, every thread, garbage collector included), and with `--perf-basic-prof` the
 * processes write the names of their JIT-compiled functions where `perf` finds them. Each sample is charged
 * to the nearest JavaScript frame on its stack (so the kernel time of a socket write is charged to the code
 * that wrote), garbage collection and native code without a JavaScript caller to categories of their own.
 */

/** The sampling frequency: high enough for a 10-second window to give tens of thousands of samples. */
export const PERF_HZ = 1999;

/** Whether `perf` can sample here (installed, and allowed by perf_event_paranoid or root). */
export function perfAvailable(): boolean {
  try {
    execFileSync("perf", ["record", "-e", "cpu-clock", "-o", "/dev/null", "--", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A running `perf record` on one process. */
export interface PerfRecording {
  /** Stops sampling and resolves once the data file is complete. */
  stop(): Promise<void>;
}

/** Starts sampling `pid` (all its threads, with call stacks) into `file`. */
export function startPerfRecord(pid: number, file: string): PerfRecording {
  const child: ChildProcess = spawn(
    "perf",
    ["record", "-q", "-e", "cpu-clock", "-F", String(PERF_HZ), "-g", "-p", String(pid), "-o", file],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    stop() {
      child.kill("SIGINT");
      return exited;
    },
  };
}

/** CPU of one category, in samples; `kernel` is the part spent in the kernel on behalf of that code. */
export interface PerfCategory {
  readonly name: string;
  readonly samples: number;
  readonly kernelSamples: number;
}

/** The categories of one recording, largest first, and the sample total. */
export interface PerfBreakdown {
  readonly samples: number;
  readonly categories: readonly PerfCategory[];
}

/** V8's collector and heap housekeeping, on the main thread or its helper threads. */
const GC =
  /Heap|Scaveng|Marking|Sweep|MarkCompact|GCTracer|Evacuat|MemoryAllocator|PagedSpace|MemoryChunk|RememberedSet|SlotSet|LocalAllocator|MainAllocator|EphemeronHash/;

/** The category of a JavaScript frame's symbol (`JS:*name file:line:col`), by the file it comes from. */
export function categoryOf(symbol: string): string {
  const pkg = /node_modules\/((?:@[^/ ]+\/)?[^/ ]+)/.exec(symbol)?.[1];
  if (pkg !== undefined) {
    if (pkg === "hono" || pkg === "@hono/node-server") return "Hono and @hono/node-server";
    if (pkg === "undici") return "undici (upstream client)";
    if (pkg === "ioredis") return "ioredis (Redis client)";
    if (pkg === "pino") return "pino (logging)";
    if (pkg === "prom-client") return "prom-client (metrics)";
    return "other npm packages";
  }
  if (/\/(apps|packages)\/[^/ ]+\//.test(symbol)) return "Switchyard code";
  if (/\/bench\//.test(symbol)) return "the baseline's own code";
  const node = /node:([a-z_/]+)/.exec(symbol)?.[1];
  if (node !== undefined) {
    if (/stream_base_commons|streams\/|^net$/.test(node)) return "Node.js sockets and streams";
    if (/^_http_|http_parser/.test(node)) return "Node.js HTTP server";
    if (/task_queues|timers|^events$|promises|async_hooks/.test(node)) return "Node.js event loop, timers, promises";
    if (/deps\/undici/.test(node)) return "Node.js built-in fetch classes";
    return "Node.js other";
  }
  if (symbol.includes("wasm")) return "undici (upstream client)";
  return "other JavaScript";
}

/** Reads a recording with `perf script` and charges every sample to a category (see the file comment). */
export function perfBreakdown(file: string): PerfBreakdown {
  const text = execFileSync("perf", ["script", "-i", file, "-F", "ip,sym,dso"], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "ignore"],
  });
  return breakdownOf(text);
}

/** The breakdown of `perf script -F ip,sym,dso` output: one stack per sample, leaf first, blank-line separated. */
export function breakdownOf(text: string): PerfBreakdown {
  const samples = new Map<string, { samples: number; kernel: number }>();
  let total = 0;
  const charge = (frames: { sym: string; dso: string }[]) => {
    if (frames.length === 0) return;
    total++;
    const leafKernel = frames[0]!.dso.includes("kernel");
    const js = frames.find((f) => f.sym.startsWith("JS:"));
    let name: string;
    if (
      frames.slice(0, 12).some((f) => !f.sym.startsWith("JS:") && GC.test(f.sym)) &&
      !frames[0]!.sym.startsWith("JS:")
    ) {
      name = "garbage collection";
    } else if (js !== undefined) {
      name = categoryOf(js.sym);
    } else {
      name = leafKernel
        ? "kernel, no JavaScript caller (epoll, interrupts)"
        : "Node.js and V8 native, no JavaScript caller";
    }
    const c = samples.get(name) ?? { samples: 0, kernel: 0 };
    c.samples++;
    if (leafKernel) c.kernel++;
    samples.set(name, c);
  };
  let frames: { sym: string; dso: string }[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      charge(frames);
      frames = [];
      continue;
    }
    const m = /^\s*[0-9a-f]+\s+(.*)\s+\((.*)\)\s*$/.exec(line);
    if (m) frames.push({ sym: m[1]!, dso: m[2]! });
  }
  charge(frames);
  const categories = [...samples.entries()]
    .map(([name, c]) => ({ name, samples: c.samples, kernelSamples: c.kernel }))
    .sort((a, b) => b.samples - a.samples);
  return { samples: total, categories };
}
