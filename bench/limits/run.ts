import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { startBenchRun } from "../lib/bench-run.ts";
import type { LoadRequest } from "../lib/load-job.ts";
import { startLoadGenerator } from "../lib/loadgen-client.ts";
import { machineInfo } from "../lib/machine.ts";
import { type Measured, measure } from "../lib/measure.ts";
import { probe } from "../lib/probe.ts";
import { startMock } from "../lib/simple-targets.ts";
import { placement, startSwitchyard } from "../lib/switchyard-target.ts";

/**
 * `npm run bench:limits`: what checking limits costs the data plane. One Switchyard (real PostgreSQL, Redis,
 * control plane, data plane) with three consumers calling the same route: no limit, one request limit, and
 * five limits of different kinds (requests per minute and per hour, tokens, concurrency, a USD budget), all
 * far above what the run sends so every request is checked, reserved and settled, never refused. For each:
 * throughput and CPU per request in a closed loop, latency at a fixed offered rate, and the Redis commands per
 * request counted by Redis itself (INFO commandstats). Ratios are against "no limit", measured in the same run.
 */

const quick = process.argv.includes("--quick");
const CLOSED = quick
  ? { connections: 16, warmupMs: 2_000, durationMs: 3_000 }
  : { connections: 16, warmupMs: 5_000, durationMs: 10_000 };
const OPEN = quick
  ? { rate: 500, connections: 256, warmupMs: 1_000, durationMs: 3_000 }
  : { rate: 500, connections: 256, warmupMs: 2_000, durationMs: 8_000 };
const BIG = 1_000_000_000;

const VARIANTS = [
  { name: "none", label: "no limit", limits: [] },
  { name: "one", label: "1 limit", limits: [{ kind: "requests", window: "minute", limit: BIG }] },
  {
    name: "five",
    label: "5 limits",
    limits: [
      { kind: "requests", window: "minute", limit: BIG },
      { kind: "requests", window: "hour", limit: BIG },
      { kind: "total_tokens", window: "minute", limit: BIG },
      { kind: "concurrency", window: null, limit: 100_000 },
      { kind: "cost_usd", window: "day", limit: 1_000_000 },
    ],
  },
] as const;

const log = (msg: string) => process.stderr.write(`[bench:limits] ${msg}\n`);

/** Requests the data plane has answered so far (its HTTP request counter). */
async function served(metricsUrl: string): Promise<number> {
  return counterSum(metricsUrl, "switchyard_dataplane_http_requests_total");
}

/** The sum of a counter's series on the data plane's metrics endpoint. */
async function counterSum(metricsUrl: string, name: string): Promise<number> {
  let total = 0;
  for (const line of (await (await fetch(metricsUrl)).text()).split("\n")) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

/** Calls per command name, from INFO commandstats. */
async function commandCalls(url: string): Promise<Map<string, number>> {
  const r = new Redis(url);
  const text = await r.info("commandstats");
  r.disconnect();
  const calls = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) calls.set(m[1]!, Number(m[2]));
  return calls;
}

interface Row {
  readonly variant: string;
  readonly limits: number;
  readonly closed: Measured;
  readonly open: Measured;
  /** Redis commands per successful request during the closed loop, by command. */
  readonly commandsPerRequest: Record<string, number>;
}

const { startedAt, stamp, resultsDir, runDir, layout, cleanups, cleanup } = startBenchRun("limits-", log);
try {
  const upstream = await startMock(layout.rest, runDir, "mock-upstream");
  cleanups.push(() => upstream.proc.stop());
  log("starting PostgreSQL, Redis, control plane and data plane");
  const sy = await startSwitchyard({
    upstreamPort: upstream.port,
    ...placement(layout),
    logDir: runDir,
    logLevel: "info",
    nodeOptions: "",
    limit: false,
    consumers: VARIANTS.map((v) => ({ name: v.name, limits: v.limits })),
  });
  cleanups.push(() => sy.stop());
  const gen = startLoadGenerator(layout.rest);
  cleanups.push(async () => gen.stop());

  const requests = new Map<string, LoadRequest>();
  for (const v of VARIANTS) requests.set(v.name, await probe(sy.requestAs(sy.keys[v.name]!, false), false));
  // One pass over every variant first, so the first measured one does not pay for the JIT warming up.
  for (const v of VARIANTS) {
    log(`${v.label}: warm-up`);
    await gen.run(
      { kind: "closed", requests: [requests.get(v.name)!], ...CLOSED, durationMs: 1_000 },
      { onWindowStart() {}, onWindowEnd() {} },
    );
  }
  const rows: Row[] = [];
  for (const v of VARIANTS) {
    const req = requests.get(v.name)!;
    log(`${v.label}: closed loop`);
    const before = await commandCalls(sy.redisUrl);
    const servedBefore = await served(sy.metricsUrl);
    const appendsBefore = await counterSum(sy.metricsUrl, "switchyard_usage_appends_total");
    const closed = await measure(gen, sy.pid, { kind: "closed", requests: [req], ...CLOSED }, sy.redisPid);
    const after = await commandCalls(sy.redisUrl);
    // Commands over warm-up and window together, divided by every request the data plane answered meanwhile.
    const sent = (await served(sy.metricsUrl)) - servedBefore;
    const appends = (await counterSum(sy.metricsUrl, "switchyard_usage_appends_total")) - appendsBefore;
    const perRequest: Record<string, number> = {};
    for (const [cmd, n] of after) {
      const delta = n - (before.get(cmd) ?? 0);
      if (delta > 0 && ["evalsha", "eval", "xadd"].includes(cmd)) perRequest[cmd] = delta;
    }
    log(`${v.label}: ${OPEN.rate} req/s open loop`);
    const open = await measure(gen, sy.pid, { kind: "open", requests: [req], ...OPEN });
    rows.push({
      variant: v.label,
      limits: v.limits.length,
      closed,
      open,
      commandsPerRequest: { ...perRequest, _sent: sent, _appends: appends },
    });
  }
  await cleanup();

  // The closed loop's own warm-up also sent requests; commandstats counted them, the window did not.
  const closedTotal = (r: Row) => r.commandsPerRequest._sent ?? 1;
  const base = rows[0]!;
  const perCore = (m: Measured) => m.load.rps / m.cpuUtilization;
  const lines = [
    `# Limiter benchmark`,
    "",
    `Run ${startedAt.toISOString()} – \`npm run bench:limits${quick ? " -- --quick" : ""}\``,
    "",
    `Machine: ${JSON.stringify(machineInfo())}. Pinning: ${layout.note}.`,
    "",
    "Every limit is far above the load, so each request is checked, reserved and settled but never refused. Usage records are written for every request in all three variants (one XADD each, inside one append script per event-loop turn: usage appends per request below 1 is that batching).",
    "",
    "| variant | req/s | CPU µs/req (data plane) | CPU µs/req (Redis) | per-core throughput vs none | added CPU µs/req vs none | p50 ms @500/s | p99 ms @500/s | added p50 / p99 ms vs none | limit scripts per request | XADD per request | usage appends per request |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    // Script calls minus the usage appends (the data plane counts those): the limit engine's scripts.
    const appends = r.commandsPerRequest._appends ?? 0;
    const scripts = ((r.commandsPerRequest.evalsha ?? 0) + (r.commandsPerRequest.eval ?? 0) - appends) / closedTotal(r);
    const xadd = (r.commandsPerRequest.xadd ?? 0) / closedTotal(r);
    const p50 = r.open.load.latency.p50;
    const p99 = r.open.load.latency.p99;
    lines.push(
      `| ${r.variant} | ${Math.round(r.closed.load.rps)} | ${r.closed.cpuUsPerRequest.toFixed(0)} | ${(r.closed.companionCpuUsPerRequest ?? 0).toFixed(0)} | ${(perCore(r.closed) / perCore(base.closed)).toFixed(2)}x | ${(r.closed.cpuUsPerRequest - base.closed.cpuUsPerRequest).toFixed(0)} | ${p50.toFixed(2)} | ${p99.toFixed(2)} | ${(p50 - base.open.load.latency.p50).toFixed(2)} / ${(p99 - base.open.load.latency.p99).toFixed(2)} | ${scripts.toFixed(2)} | ${xadd.toFixed(2)} | ${(appends / closedTotal(r)).toFixed(2)} |`,
    );
  }
  lines.push(
    "",
    "Limit scripts per request: each limited request waits for exactly one Redis reply before its upstream call, whatever the number of limits; its acquisition travels in one script call shared with the other acquisitions of the same event-loop turn, so under load the figure is below 1. A settle script follows the response only when something must be settled (tokens, cost, concurrency), in the same socket write as the turn's usage append.",
  );
  const markdown = `${lines.join("\n")}\n`;
  const results = { startedAt: startedAt.toISOString(), quick, machine: machineInfo(), pinning: layout.note, rows };
  for (const name of quick ? [`limits-${stamp}`] : [`limits-${stamp}`, "limits-latest"]) {
    writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(resultsDir, `${name}.md`), markdown);
  }
  process.stdout.write(`\n${markdown}\n`);
} catch (e) {
  log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  await cleanup();
  process.exit(1);
}
