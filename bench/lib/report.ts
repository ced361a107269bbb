import type { BenchResults, LatencyRow, Mode, TargetCheck } from "./results.ts";
import { compareRounds } from "./rounds.ts";
import { EVENT_LOOP_RESOLUTION_MS } from "./soak.ts";
import type { TargetName } from "./target.ts";

const LABEL: Record<TargetName, string> = {
  direct: "(1) direct",
  proxy: "(2) undici proxy",
  hono: "(2h) (2) in Hono",
  switchyard: "(3) Switchyard",
};
const MODE: Record<Mode, string> = { plain: "JSON", stream: "SSE (16 events)" };

/** Generator lag above which a latency row is flagged as limited by the load side. */
const LAG_WARN_MS = 5;

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "–");
const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "–");
const ratio = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : "–");
const row = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;

/**
 * `--perf`: each sampled target's CPU per request by category (kernel part in parentheses), and what (3)
 * spends beyond the same proxy in Hono, category by category.
 */
function perfTable(r: BenchResults): string[] {
  if (!r.perf || r.perf.length === 0) return [];
  const lines = [
    "### Where the CPU goes (Linux perf, µs of CPU per request; in parentheses the part spent in the kernel)",
    "",
    "Each sample is charged to the nearest JavaScript frame on its stack (a socket write's kernel time to the code that wrote); garbage collection, on any thread, has its own row.",
  ];
  for (const mode of ["plain", "stream"] as const) {
    const rows = r.perf.filter((p) => p.mode === mode);
    if (rows.length === 0) continue;
    const us = (p: (typeof rows)[number], samples: number) => (samples / p.hz / p.ok) * 1e6;
    const names = [...new Set(rows.flatMap((p) => p.breakdown.categories.map((c) => c.name)))];
    const cell = (p: (typeof rows)[number], name: string) => {
      const c = p.breakdown.categories.find((x) => x.name === name);
      return c ? us(p, c.samples) : 0;
    };
    const kernel = (p: (typeof rows)[number], name: string) => {
      const c = p.breakdown.categories.find((x) => x.name === name);
      return c ? us(p, c.kernelSamples) : 0;
    };
    const sy = rows.find((p) => p.target === "switchyard");
    const hono = rows.find((p) => p.target === "hono");
    const proxy = rows.find((p) => p.target === "proxy");
    const diff = sy !== undefined && hono !== undefined && proxy !== undefined;
    names.sort((a, b) => (sy ? cell(sy, b) - cell(sy, a) : 0));
    const fmt = (v: number, k: number) => (v === 0 ? "–" : `${v.toFixed(1)} (${k.toFixed(1)})`);
    lines.push(
      "",
      `${MODE[mode]}:`,
      "",
      row(["category", ...rows.map((p) => LABEL[p.target]), ...(diff ? ["(3) − (2)", "(3) − (2h)"] : [])]),
      row(Array(rows.length + (diff ? 3 : 1)).fill("---")),
      ...names.map((name) =>
        row([
          name,
          ...rows.map((p) => fmt(cell(p, name), kernel(p, name))),
          ...(diff
            ? [(cell(sy, name) - cell(proxy, name)).toFixed(1), (cell(sy, name) - cell(hono, name)).toFixed(1)]
            : []),
        ]),
      ),
      row([
        "**total sampled**",
        ...rows.map((p) => `**${us(p, p.breakdown.samples).toFixed(1)}**`),
        ...(diff
          ? [
              `**${(us(sy, sy.breakdown.samples) - us(proxy, proxy.breakdown.samples)).toFixed(1)}**`,
              `**${(us(sy, sy.breakdown.samples) - us(hono, hono.breakdown.samples)).toFixed(1)}**`,
            ]
          : []),
      ]),
    );
  }
  return lines;
}

/** How long each target was measured: one window, or rounds of one (figures then their medians). */
function windows(r: BenchResults, durationMs: number): string {
  const rounds = r.plan.rounds;
  return rounds > 1 ? `${rounds} rounds of ${durationMs / 1000} s, medians` : `${durationMs / 1000} s`;
}

function throughputTable(r: BenchResults): string[] {
  const lines = [
    `### Maximum throughput (closed loop, ${r.plan.closed.connections} connections, ${windows(r, r.plan.closed.durationMs)})`,
    "",
    row([
      "mode",
      "target",
      "req/s",
      "errors",
      "target CPU",
      "CPU µs/req",
      "req/s per core",
      "per core vs (1)",
      "per core vs (2)",
    ]),
    row(Array(9).fill("---")),
  ];
  for (const t of r.throughput) {
    // Per-core ratios within each round, then their median.
    const vs = (name: TargetName) =>
      compareRounds(
        r.throughput.find((x) => x.mode === t.mode && x.target === name)?.rounds,
        t.rounds,
        (x, y) => x.cpuUsPerRequest / y.cpuUsPerRequest,
      ).value;
    const m = t.measured;
    lines.push(
      row([
        MODE[t.mode],
        LABEL[t.target],
        int(m.load.rps),
        int(m.load.errors),
        `${Math.round(m.cpuUtilization * 100)}%`,
        int(m.cpuUsPerRequest),
        int(1e6 / m.cpuUsPerRequest),
        ratio(vs("direct")),
        ratio(vs("proxy")),
      ]),
    );
  }
  for (const t of r.throughput) {
    const redis = t.measured.companionCpuUsPerRequest;
    if (t.target === "switchyard" && redis !== undefined) {
      lines.push("", `${MODE[t.mode]}: the data plane's Redis used ${int(redis)} µs of CPU per request besides.`);
    }
  }
  for (const mode of ["plain", "stream"] as const) {
    const cpu = (name: TargetName) =>
      r.throughput.find((x) => x.mode === mode && x.target === name)?.measured.cpuUsPerRequest ?? Number.NaN;
    const extra = cpu("hono") - cpu("proxy");
    if (Number.isFinite(extra)) {
      lines.push(
        "",
        `${MODE[mode]}: Hono and @hono/node-server add ${int(extra)} µs of CPU per request to the bare node:http proxy.`,
      );
    }
  }
  return lines;
}

function latencyTable(r: BenchResults): string[] {
  const lines = [
    `### Latency at fixed offered rates (open loop, ${windows(r, r.plan.open.durationMs)}; ms from the scheduled send)`,
    "",
    row([
      "mode",
      "rate",
      "target",
      "ok",
      "errors",
      "p50",
      "p90",
      "p99",
      "added p50",
      "added p90",
      "added p99",
      "TTFB p50",
      "added TTFB p50",
      "CPU µs/req",
      "gen. lag p99",
    ]),
    row(Array(15).fill("---")),
  ];
  const direct = (l: LatencyRow) =>
    r.latency.find((x) => x.mode === l.mode && x.rate === l.rate && x.target === "direct");
  for (const l of r.latency) {
    const m = l.measured.load;
    // Added latency within each round, then its median.
    const add = (f: (x: typeof m) => number) =>
      l.target === "direct"
        ? "–"
        : ms(compareRounds(direct(l)?.rounds, l.rounds, (d, t) => f(t.load) - f(d.load)).value);
    lines.push(
      row([
        MODE[l.mode],
        String(l.rate),
        LABEL[l.target],
        int(m.ok),
        int(m.errors),
        ms(m.latency.p50),
        ms(m.latency.p90),
        ms(m.latency.p99),
        add((x) => x.latency.p50),
        add((x) => x.latency.p90),
        add((x) => x.latency.p99),
        l.mode === "stream" ? ms(m.ttfb.p50) : "–",
        l.mode === "stream" ? add((x) => x.ttfb.p50) : "–",
        int(l.measured.cpuUsPerRequest),
        `${ms(m.sendLag?.p99 ?? Number.NaN)}${(m.sendLag?.p99 ?? 0) > LAG_WARN_MS ? " ⚠" : ""}`,
      ]),
    );
  }
  if (r.latency.some((l) => (l.measured.load.sendLag?.p99 ?? 0) > LAG_WARN_MS)) {
    lines.push(
      "",
      `⚠ The load generator itself sent late (p99 lag over ${LAG_WARN_MS} ms): the CPU it shares with the mock ` +
        "upstream and Redis was saturated, so that row's latencies describe the load side as much as the target.",
    );
  }
  return lines;
}

function soakTable(r: BenchResults): string[] {
  const s = r.soak;
  if (!s) return ["### Soak", "", "Skipped (`--no-soak`)."];
  const mib = (b: number) => (b / 1024 / 1024).toFixed(1);
  return [
    `### Soak (Switchyard, ${r.plan.soak.rate} req/s, JSON and SSE alternating, ${r.plan.soak.durationMs / 1000} s)`,
    "",
    `${int(s.load.ok)} ok, ${int(s.load.errors)} errors; p50 ${ms(s.load.latency.p50)} ms, p99 ${ms(s.load.latency.p99)} ms. ` +
      `Start and end figures cover the first and last ${s.sampleMs / 1000} s of the window.`,
    "",
    row(["", "start", "end"]),
    row(["---", "---", "---"]),
    row(["RSS (MiB)", mib(s.start.rssBytes), mib(s.end.rssBytes)]),
    row(["event-loop delay mean, as reported (ms)", ms(s.start.eventLoopMeanMs), ms(s.end.eventLoopMeanMs)]),
    row([
      `event-loop delay mean beyond the ${EVENT_LOOP_RESOLUTION_MS} ms interval (ms)`,
      ms(s.start.eventLoopMeanMs - EVENT_LOOP_RESOLUTION_MS),
      ms(s.end.eventLoopMeanMs - EVENT_LOOP_RESOLUTION_MS),
    ]),
    row(["event-loop delay p99, as reported (ms)", ms(s.start.eventLoopP99Ms), ms(s.end.eventLoopP99Ms)]),
    row([
      `event-loop delay p99 beyond the ${EVENT_LOOP_RESOLUTION_MS} ms interval (ms)`,
      ms(s.start.eventLoopP99Ms - EVENT_LOOP_RESOLUTION_MS),
      ms(s.end.eventLoopP99Ms - EVENT_LOOP_RESOLUTION_MS),
    ]),
  ];
}

function checkLine(c: TargetCheck): string {
  const fmt = (v: number) => (c.unit === "x" ? ratio(v) : c.unit === "%" ? `${v.toFixed(1)}%` : `${ms(v)} ms`);
  const bound = c.bound === "min" ? "≥" : "≤";
  const gap = Math.abs(c.measured - c.limit);
  // A ratio just under its bound would print as "missed by 0.00x".
  const gapText = c.unit === "x" && gap < 0.01 ? "<0.01x" : fmt(gap);
  const miss = c.met ? "" : ` (missed by ${gapText})`;
  const rounds = c.rounds ? ` (rounds: ${c.rounds.map(fmt).join(", ")})` : "";
  return row([c.name, `${fmt(c.measured)}${rounds}`, `${bound} ${fmt(c.limit)}`, c.met ? "met" : `**missed**${miss}`]);
}

/** The run as markdown: machine, targets, then the throughput, latency and soak tables. */
export function renderReport(r: BenchResults): string {
  return [
    `Run ${r.startedAt} – \`${r.command}\`${r.plan.quick ? " (quick: short windows, rough numbers)" : ""}`,
    "",
    `Machine: ${r.machine.cores} CPUs, ${r.machine.cpuModel}, Node ${r.machine.node}, Linux ${r.machine.kernel}. Pinning: ${r.pinning}. Data plane LOG_LEVEL=${r.dataPlaneLogLevel}.`,
    "",
    ...r.notes.map((n) => `- ${n}`),
    "",
    "### Targets",
    "",
    row(["target", "measured", "required", "result"]),
    row(["---", "---", "---", "---"]),
    ...r.checks.map(checkLine),
    "",
    ...(r.plan.rounds > 1
      ? [
          `Every closed-loop and open-loop figure was measured in ${r.plan.rounds} rounds, the targets taking turns within each round; a target's figures are the medians of its rounds, and each comparison between targets (the ratios, the added latency) is made within each round, back to back, and its median reported.`,
          "",
        ]
      : []),
    ...throughputTable(r),
    "",
    ...perfTable(r),
    "",
    ...latencyTable(r),
    "",
    ...soakTable(r),
    "",
  ].join("\n");
}
