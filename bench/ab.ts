import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startBenchRun } from "./lib/bench-run.ts";
import type { LoadRequest } from "./lib/load-job.ts";
import { startLoadGenerator } from "./lib/loadgen-client.ts";
import { measure } from "./lib/measure.ts";
import { probe } from "./lib/probe.ts";
import { startMock, startProxyTarget } from "./lib/simple-targets.ts";
import { placement, startSwitchyard } from "./lib/switchyard-target.ts";

/**
 * `npm run bench:ab -- <other checkout>`: CPU per request of two versions of the data plane, this checkout's
 * (A) and another one's (B, e.g. a git worktree with its own node_modules), measured in alternating short
 * closed-loop windows on the same control plane, Redis, mock upstream and CPU, with the minimal proxy (2) as
 * the reference in every round. On a shared machine a hot-path change of a few percent is lost in the drift
 * between two separate `npm run bench` runs; alternating windows sees the same drift on both sides, and the
 * medians of the per-round figures compare. Never part of `npm test`.
 */

const USAGE = `npm run bench:ab -- <path of the other checkout> [options]
  --rounds N       alternating rounds (default 8)
  --window MS      measured window per target and round (default 3000)
  --stream         the 16-event SSE stream instead of the JSON answer
  --connections N  closed-loop connections (default 16)
  --node-options S extra NODE_OPTIONS for both data planes
  --b-node-options S  extra NODE_OPTIONS for B only (the other checkout may be this one: a V8 flag's effect)`;

const { values, positionals } = parseArgs({
  options: {
    rounds: { type: "string", default: "8" },
    window: { type: "string", default: "3000" },
    stream: { type: "boolean", default: false },
    connections: { type: "string", default: "16" },
    "node-options": { type: "string", default: "" },
    "b-node-options": { type: "string", default: "" },
    help: { type: "boolean", default: false },
  },
  allowPositionals: true,
});
const other = positionals[0] ? resolve(positionals[0]) : "";
if (values.help || !other || !existsSync(join(other, "apps/data-plane/src/main.ts"))) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(values.help ? 0 : 2);
}
/** A positive whole number option, or a usage error naming it. */
function positive(name: string, value: string): number {
  const n = Number(value);
  if (Number.isInteger(n) && n > 0) return n;
  process.stderr.write(`--${name} must be a positive whole number, got "${value}"\n\n${USAGE}\n`);
  process.exit(2);
}
const rounds = positive("rounds", values.rounds);
const windowMs = positive("window", values.window);
const connections = positive("connections", values.connections);
const stream = values.stream;
const log = (msg: string) => process.stderr.write(`[bench:ab] ${msg}\n`);
const NO_HOOKS = { onWindowStart() {}, onWindowEnd() {} };

const { runDir, layout, cleanups, cleanup } = startBenchRun("ab-", log);
process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));

try {
  const upstream = await startMock(layout.rest, runDir, "mock-upstream");
  cleanups.push(() => upstream.proc.stop());
  const proxy = await startProxyTarget(upstream.port, layout.target, runDir);
  cleanups.push(() => proxy.stop());
  log("starting PostgreSQL, Redis, control plane and data plane A");
  const a = await startSwitchyard({
    upstreamPort: upstream.port,
    ...placement(layout),
    logDir: runDir,
    logLevel: "info",
    nodeOptions: values["node-options"],
    limit: true,
  });
  cleanups.push(() => a.stop());
  log(`starting data plane B from ${other}`);
  const b = await a.addDataPlane(other, "data-plane-b", values["b-node-options"]);
  const gen = startLoadGenerator(layout.rest);
  cleanups.push(async () => gen.stop());

  const sides = [
    { name: "(2) proxy", pid: proxy.pid, request: proxy.request(stream), redis: undefined },
    { name: "A (this checkout)", pid: a.pid, request: a.request(stream), redis: a.redisPid },
    { name: "B (other)", pid: b.pid, request: b.request(stream), redis: a.redisPid },
  ];
  const requests: LoadRequest[] = [];
  for (const s of sides) requests.push(await probe(s.request, stream));
  // Long enough for V8 to optimise each process's request path before anything is measured.
  log("warming up");
  for (const r of requests) {
    await gen.run({ kind: "closed", requests: [r], connections, warmupMs: 0, durationMs: 5_000 }, NO_HOOKS);
  }
  const cpu: number[][] = sides.map(() => []);
  const redisCpu: number[][] = sides.map(() => []);
  for (let round = 0; round < rounds; round++) {
    // Alternate the order too, so neither version always runs right after the proxy.
    const order = round % 2 === 0 ? [0, 1, 2] : [0, 2, 1];
    for (const i of order) {
      const job = { kind: "closed", requests: [requests[i]!], connections, warmupMs: 1_000, durationMs: windowMs };
      const m = await measure(gen, sides[i]!.pid, job as never, sides[i]!.redis);
      cpu[i]!.push(m.cpuUsPerRequest);
      redisCpu[i]!.push(m.companionCpuUsPerRequest ?? 0);
    }
    log(
      `round ${round + 1}/${rounds}: ${sides.map((s, i) => `${s.name} ${cpu[i]!.at(-1)!.toFixed(0)} µs`).join(", ")}`,
    );
  }
  await cleanup();

  const ratio = (x: number, y: number) => (y > 0 ? x / y : Number.NaN);
  const perRound = (i: number, j: number) => cpu[i]!.map((v, k) => ratio(v, cpu[j]![k]!));
  const lines = [
    `bench:ab, ${stream ? "SSE (16 events)" : "JSON"}, ${rounds} rounds of ${windowMs} ms; medians over rounds`,
    "",
    "| target | CPU µs/req | Redis CPU µs/req | per-core throughput vs (2) |",
    "| --- | --- | --- | --- |",
    ...sides.map((s, i) => {
      const vs = i === 0 ? "1.00x" : `${median(perRound(0, i)).toFixed(2)}x`;
      const r = i === 0 ? "–" : median(redisCpu[i]!).toFixed(0);
      return `| ${s.name} | ${median(cpu[i]!).toFixed(0)} | ${r} | ${vs} |`;
    }),
    "",
    `B / A CPU per request, median of rounds: ${median(perRound(2, 1)).toFixed(3)} (below 1: B is cheaper); per round: ${perRound(
      2,
      1,
    )
      .map((r) => r.toFixed(2))
      .join(" ")}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} catch (e) {
  log(`failed: ${e instanceof Error ? e.message : String(e)}`);
  await cleanup();
  process.exit(1);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length === 0
    ? Number.NaN
    : s.length % 2 === 1
      ? s[(s.length - 1) / 2]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
