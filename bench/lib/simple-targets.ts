import { join } from "node:path";
import { type BenchChild, startChild } from "./child.ts";
import type { Target } from "./target.ts";
import { chatRequestBody } from "./wire.ts";

const BENCH_DIR = new URL("..", import.meta.url).pathname;
const PATH = "/v1/chat/completions";

/** Starts the mock upstream on `cpus`; resolves with its process and port. */
export async function startMock(
  cpus: string | null,
  logDir: string,
  name: string,
): Promise<{ proc: BenchChild; port: number }> {
  const { proc, ready } = await startChild({
    name,
    args: [join(BENCH_DIR, "mock-upstream.ts"), "0"],
    cwd: BENCH_DIR,
    cpus,
    logFile: join(logDir, `${name}.log`),
    readyLine: /listening (\d+)/,
  });
  return { proc, port: Number(ready) };
}

/** Target (1): the mock itself, the floor every proxy is compared against. */
export function directTarget(mock: { proc: BenchChild; port: number }): Target {
  return {
    name: "direct",
    label: "(1) direct to mock",
    pid: mock.proc.pid,
    request: (stream) => ({
      origin: `http://127.0.0.1:${mock.port}`,
      path: PATH,
      headers: { authorization: "Bearer sk-upstream" },
      body: chatRequestBody("gpt-4o-mini", stream),
    }),
    stop: () => mock.proc.stop(),
  };
}

/** Starts one of the bench's proxies (a script taking `<port> <upstream> <key>`) on `cpus`. */
async function startBenchProxy(
  script: string,
  upstreamPort: number,
  cpus: string | null,
  logDir: string,
  nodeOptions: string,
): Promise<{ proc: BenchChild; port: string; key: string }> {
  const key = "sk-bench-minimal-proxy";
  const name = script.replace(/\.ts$/, "");
  const { proc, ready } = await startChild({
    name,
    args: [join(BENCH_DIR, script), "0", `http://127.0.0.1:${upstreamPort}`, key],
    cwd: BENCH_DIR,
    cpus,
    logFile: join(logDir, `${name}.log`),
    readyLine: /listening (\d+)/,
    ...(nodeOptions ? { env: { NODE_OPTIONS: nodeOptions } } : {}),
  });
  return { proc, port: ready, key };
}

function proxyTarget(
  name: "proxy" | "hono",
  label: string,
  p: { proc: BenchChild; port: string; key: string },
): Target {
  return {
    name,
    label,
    pid: p.proc.pid,
    request: (stream) => ({
      origin: `http://127.0.0.1:${p.port}`,
      path: PATH,
      headers: { authorization: `Bearer ${p.key}` },
      body: chatRequestBody("gpt-4o-mini", stream),
    }),
    stop: () => p.proc.stop(),
  };
}

/** Target (2): the minimal node:http + undici proxy in front of the upstream mock. */
export async function startProxyTarget(
  upstreamPort: number,
  cpus: string | null,
  logDir: string,
  nodeOptions = "",
): Promise<Target> {
  const p = await startBenchProxy("minimal-proxy.ts", upstreamPort, cpus, logDir, nodeOptions);
  return proxyTarget("proxy", "(2) minimal undici proxy", p);
}

/** Target (2h): the same proxy served through Hono, to measure what the framework costs. */
export async function startHonoProxyTarget(
  upstreamPort: number,
  cpus: string | null,
  logDir: string,
  nodeOptions = "",
): Promise<Target> {
  const p = await startBenchProxy("hono-proxy.ts", upstreamPort, cpus, logDir, nodeOptions);
  return proxyTarget("hono", "(2h) the same proxy in Hono", p);
}
