import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startBenchRun } from "./lib/bench-run.ts";
import { evaluate } from "./lib/evaluate.ts";
import type { LoadRequest } from "./lib/load-job.ts";
import { startLoadGenerator } from "./lib/loadgen-client.ts";
import { machineInfo } from "./lib/machine.ts";
import { type Measured, measure } from "./lib/measure.ts";
import { parseOptions, USAGE } from "./lib/options.ts";
import { PERF_HZ, type PerfRecording, perfAvailable, perfBreakdown, startPerfRecord } from "./lib/perf.ts";
import { probe } from "./lib/probe.ts";
import { renderReport } from "./lib/report.ts";
import type { BenchResults, LatencyRow, Mode, PerfRow, ThroughputRow } from "./lib/results.ts";
import { combineRounds } from "./lib/rounds.ts";
import { directTarget, startHonoProxyTarget, startMock, startProxyTarget } from "./lib/simple-targets.ts";
import { soak } from "./lib/soak.ts";
import { placement, startSwitchyard } from "./lib/switchyard-target.ts";
import type { Target } from "./lib/target.ts";

/**
 * `npm run bench`: starts the mock upstream, the minimal undici proxy and a full Switchyard (PostgreSQL,
 * Redis, control plane, data plane), measures all three in the same run with one load generator, and writes
 * bench/results/<time>.json and .md (and latest.*). See bench/README.md.
 */

let opts: ReturnType<typeof parseOptions>;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}\n`);
  process.exit(2);
}
if (opts === "help") {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const { plan } = opts;
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

const { startedAt, stamp, resultsDir, runDir, layout, cleanups, cleanup } = startBenchRun("", log);
process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));

try {
  if (opts.perf && !perfAvailable()) throw new Error("--perf needs Linux perf (Debian: apt-get install linux-perf)");
  const upstream = await startMock(layout.rest, runDir, "mock-upstream");
  cleanups.push(() => upstream.proc.stop());
  const floor = await startMock(layout.target, runDir, "mock-direct");
  const direct = directTarget(floor);
  cleanups.push(() => direct.stop());
  // JIT-compiled functions get names perf can read; the processes write /tmp/perf-<pid>.map.
  const perfNodeOptions = opts.perf ? "--perf-basic-prof" : "";
  const proxy = await startProxyTarget(upstream.port, layout.target, runDir, perfNodeOptions);
  cleanups.push(() => proxy.stop());
  const hono = await startHonoProxyTarget(upstream.port, layout.target, runDir, perfNodeOptions);
  cleanups.push(() => hono.stop());
  log("starting PostgreSQL, Redis, control plane and data plane");
  const sy = await startSwitchyard({
    upstreamPort: upstream.port,
    ...placement(layout),
    logDir: runDir,
    logLevel: opts.logLevel,
    nodeOptions: [opts.profile ? `--cpu-prof --cpu-prof-dir=${runDir}` : "", perfNodeOptions, opts.nodeOptions]
      .join(" ")
      .trim(),
    limit: opts.limit,
  });
  cleanups.push(() => sy.stop());
  const gen = startLoadGenerator(layout.rest);
  cleanups.push(async () => gen.stop());

  // (2h) only runs the closed loop: it is there to measure the framework's cost per request, not latency.
  const targets: Target[] = [direct, proxy, hono, sy];
  const latencyTargets: Target[] = [direct, proxy, sy];
  const requests = new Map<string, LoadRequest>();
  for (const t of targets) {
    for (const stream of [false, true]) requests.set(`${t.name}:${stream}`, await probe(t.request(stream), stream));
  }
  const req = (t: Target, mode: Mode) => requests.get(`${t.name}:${mode === "stream"}`)!;

  // The soak runs first, on a data plane that has seen only its own warm-up: after the throughput runs the
  // heap is still shrinking for minutes, and the soak would measure that instead of a steady state.
  let soaked = null;
  if (opts.soak) {
    log(`soak: ${plan.soak.rate} req/s for ${plan.soak.durationMs / 1000} s on switchyard`);
    const { rate, warmupMs, durationMs, sampleMs } = plan.soak;
    const requestsMix = [req(sy, "plain"), req(sy, "stream")];
    const job = {
      kind: "open",
      requests: requestsMix,
      rate,
      connections: plan.open.connections,
      warmupMs,
      durationMs,
    } as const;
    soaked = await soak(gen, sy, job, sampleMs);
  }
  const throughput: ThroughputRow[] = [];
  const perfRows: PerfRow[] = [];
  const latency: LatencyRow[] = [];
  const modes = opts.focus ? [opts.focus] : (["plain", "stream"] as const);
  const rounds = plan.rounds;
  for (const mode of modes) {
    // A focused run compares the proxies only: (1) tells nothing about the data plane's own cost.
    const closedTargets = opts.focus ? [proxy, hono, sy] : targets;
    const closedRounds = new Map<Target, Measured[]>(closedTargets.map((t) => [t, []]));
    for (let round = 0; round < rounds; round++) {
      for (const t of closedTargets) {
        log(`${mode}: closed loop on ${t.name}${rounds > 1 ? `, round ${round + 1}/${rounds}` : ""}`);
        const { connections, durationMs } = plan.closed;
        const warmupMs = round === 0 ? plan.closed.warmupMs : plan.closed.roundWarmupMs;
        const job = { kind: "closed", requests: [req(t, mode)], connections, warmupMs, durationMs } as const;
        // Linux perf samples the first round's window only: one window is enough for a breakdown.
        const sampled = opts.perf && t !== direct && round === 0;
        const perfFile = join(runDir, `perf-${mode}-${t.name}.data`);
        // Sampling covers exactly the measured window: started and stopped by the generator's window events.
        let recording: PerfRecording | null = null;
        let stopped: Promise<void> | null = null;
        const hooks = {
          onWindowStart() {
            if (sampled) recording = startPerfRecord(t.pid, perfFile);
          },
          onWindowEnd() {
            stopped = recording?.stop() ?? null;
          },
        };
        const measured = await measure(gen, t.pid, job, t === sy ? sy.redisPid : undefined, hooks);
        closedRounds.get(t)!.push(measured);
        if (stopped !== null) {
          await stopped;
          log(`${mode}: reading the perf samples of ${t.name}`);
          perfRows.push({
            target: t.name,
            mode,
            ok: measured.load.ok,
            hz: PERF_HZ,
            breakdown: perfBreakdown(perfFile),
          });
        }
      }
    }
    for (const [t, list] of closedRounds) {
      throughput.push({ target: t.name, mode, measured: combineRounds(list), rounds: list });
    }
    for (const rate of opts.focus ? [] : plan.open.rates) {
      const openRounds = new Map<Target, Measured[]>(latencyTargets.map((t) => [t, []]));
      for (let round = 0; round < rounds; round++) {
        for (const t of latencyTargets) {
          log(`${mode}: ${rate} req/s on ${t.name}${rounds > 1 ? `, round ${round + 1}/${rounds}` : ""}`);
          const { connections, durationMs } = plan.open;
          const warmupMs = round === 0 ? plan.open.warmupMs : plan.open.roundWarmupMs;
          const job = { kind: "open", requests: [req(t, mode)], rate, connections, warmupMs, durationMs } as const;
          openRounds.get(t)!.push(await measure(gen, t.pid, job));
        }
      }
      for (const [t, list] of openRounds) {
        latency.push({ target: t.name, mode, rate, measured: combineRounds(list), rounds: list });
      }
    }
  }
  await cleanup();

  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    machine: machineInfo(),
    pinning: layout.note,
    plan,
    dataPlaneLogLevel: opts.logLevel,
    notes: [
      opts.limit
        ? "(3) runs with API-key auth and one request limit per minute checked in Redis on every request, and each request writes its usage record to the Redis stream (one stream entry per request, the records of up to 10 ms appended by one script call after the responses), which the control plane consumes into PostgreSQL."
        : "(3) runs with API-key auth and NO request limit (--no-limit): an ablation, not comparable with the targets.",
      ...(opts.nodeOptions ? [`The data plane ran with NODE_OPTIONS=${opts.nodeOptions}.`] : []),
      ...(opts.perf
        ? [
            "--perf: (2), (2h) and (3) ran with --perf-basic-prof and were sampled by Linux perf in their closed-loop windows, which costs them some CPU; compare the breakdowns, not these CPU figures with other runs.",
          ]
        : []),
      "The machine is shared: absolute numbers are noisy; compare targets within one run (ratios).",
    ],
    throughput,
    latency,
    soak: soaked,
    checks: evaluate(throughput, latency, soaked),
    ...(perfRows.length > 0 ? { perf: perfRows } : {}),
  };
  const markdown = renderReport(results);
  // Only a run of the whole benchmark in the production configuration becomes "latest"; focused, profiled
  // and ablation runs are kept under their time stamp only.
  const comparable =
    !plan.quick &&
    opts.soak &&
    !opts.focus &&
    opts.limit &&
    !opts.profile &&
    !opts.perf &&
    opts.nodeOptions === "" &&
    opts.logLevel === "info";
  for (const name of comparable ? [stamp, "latest"] : [stamp]) {
    writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(resultsDir, `${name}.md`), markdown);
  }
  process.stdout.write(`\n${markdown}\n`);
  log(`results: ${join(resultsDir, `${stamp}.json`)} and .md`);
} catch (e) {
  log(`failed: ${e instanceof Error ? e.message : String(e)}`);
  await cleanup();
  process.exit(1);
}
