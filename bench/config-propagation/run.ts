/**
 * Config propagation benchmark: how long a committed admin write takes to be acked by every data plane (1 and
 * 10 nodes), and what a large configuration costs (build on the control plane, decode and compile on a data
 * plane, data-plane memory, one-key delta propagation) for 1k, 10k and 100k consumers. Real processes, a real
 * PostgreSQL. Run: `node bench/config-propagation/run.ts` (Node 22, PostgreSQL server binaries installed).
 * BENCH_WRITES (default 40) sets the writes per fleet size; BENCH_SIZES (default 1000,10000,100000) the sizes;
 * BENCH_DELTAS (default 10) the one-key changes per size, BENCH_DELTA_SPACING_MS (default 1000) the pause before
 * each; BENCH_CPU_PROF_DIR profiles every process (see fleet-bench.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { type PostgresInstance, REPO_ROOT, startPostgres } from "../../test/harness/index.ts";
import {
  admin,
  type BenchControlPlane,
  type BenchDataPlane,
  fleetAckedAt,
  metric,
  percentile,
  probeLatency,
  published,
  startControlPlane,
  startDataPlane,
  stopProcess,
} from "./fleet-bench.ts";

const WRITES = Number(process.env.BENCH_WRITES ?? 40);
const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,100000").split(",").map(Number);
/** One-key changes per size (a key added, then revoked, alternately) and the pause before each. */
const DELTAS = Number(process.env.BENCH_DELTAS ?? 10);
const DELTA_SPACING_MS = Number(process.env.BENCH_DELTA_SPACING_MS ?? 1000);
const log = (msg: string) => process.stderr.write(`[config-propagation] ${msg}\n`);

/** Commit-to-every-ack times for `writes` lone route updates (spaced so each starts a new debounce burst). */
async function propagation(cp: BenchControlPlane, nodes: BenchDataPlane[], routeId: string, writes: number) {
  const ids = nodes.map((n) => n.nodeId);
  const times: number[] = [];
  for (let i = 0; i < writes; i++) {
    // The commit happens inside the request, so the request's start is an upper bound on the commit time.
    const started = Date.now();
    const { generation } = await admin(cp, "PATCH", `/routes/${routeId}`, { upstreamModel: `m-${Date.now()}-${i}` });
    const acked = await fleetAckedAt(cp, ids, generation as bigint);
    times.push(acked - started);
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    nodes: nodes.length,
    writes,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    maxMs: Math.max(...times),
  };
}

/**
 * Adds `n` consumers, each with one key and one limit, straight in SQL (the admin API is not what is measured),
 * with a change row per consumer as every write appends one (the control plane builds from the change rows
 * since its last build; a consumer's change reads its keys and limits with it).
 */
async function grow(url: string, n: number, tag: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`insert into consumers (name) select $1 || '-' || g from generate_series(1, $2::int) g`, [tag, n]);
  await c.query(
    `insert into api_keys (consumer_id, prefix, hash)
       select id, 'sk-sy-bench', encode(sha256(convert_to(id::text, 'UTF8')), 'hex') from consumers where name like $1`,
    [`${tag}-%`],
  );
  await c.query(
    `insert into limits (kind, "window", scope, scope_id, "limit", failure_policy)
       select 'requests', 'minute', 'consumer', id::text, 1000, 'allow' from consumers where name like $1`,
    [`${tag}-%`],
  );
  await c.query(
    `insert into config_changes (entity_kind, entity_id, op)
       select 'consumer', id, 'create' from consumers where name like $1 order by id`,
    [`${tag}-%`],
  );
  await c.end();
}

/** Total build time and build count so far, from the control plane's histogram. */
async function builds(cp: BenchControlPlane): Promise<{ ms: number; count: number }> {
  const sum = await metric(cp.metricsUrl, "switchyard_controlplane_snapshot_build_duration_seconds_sum");
  const count = await metric(cp.metricsUrl, "switchyard_controlplane_snapshot_build_duration_seconds_count");
  return { ms: (sum ?? 0) * 1000, count: count ?? 0 };
}

/** Average build time since `before` (builds that ran in between, usually one). */
async function buildMsSince(cp: BenchControlPlane, before: { ms: number; count: number }): Promise<number> {
  const now = await builds(cp);
  return now.count > before.count ? (now.ms - before.ms) / (now.count - before.count) : Number.NaN;
}

async function size(cp: BenchControlPlane, databaseUrl: string, consumers: number, total: number) {
  await grow(databaseUrl, consumers - total, `bench${consumers}`);
  // Any admin write makes the control plane build from the database, which now holds the new rows.
  const beforeBuild = await builds(cp);
  const { body: provider, generation } = await admin(cp, "POST", "/providers", {
    name: `trigger-${consumers}`,
    kind: "mock",
  });
  await published(cp, generation as bigint);
  const buildMs = await buildMsSince(cp, beforeBuild);
  const started = Date.now();
  const dp = await startDataPlane(`dp-size-${consumers}`, cp.grpcAddress);
  const readyMs = Date.now() - started;
  try {
    const m = (name: string) => metric(dp.metricsUrl, name);
    const full = {
      decodeMs: ((await m("switchyard_dataplane_config_decode_duration_seconds_sum")) ?? 0) * 1000,
      compileMs: ((await m("switchyard_dataplane_config_apply_duration_seconds_sum")) ?? 0) * 1000,
    };
    // One-key changes, each a delta of one entity against the node's snapshot: a key added to a consumer, then
    // revoked (the urgent kind), alternately, spaced so each is a lone write.
    const targets = (await admin(cp, "GET", `/consumers?limit=${Math.ceil(DELTAS / 2)}`)).body.data as { id: string }[];
    const beforeDeltaBuild = await builds(cp);
    const probe = probeLatency(dp.url);
    const deltaAckMs: number[] = [];
    /** How long each admin request took (its transaction included): the part of commit → Ack before the build. */
    const requestMs: number[] = [];
    let added: { consumerId: string; keyId: string } | null = null;
    for (let i = 0; i < DELTAS; i++) {
      await new Promise((r) => setTimeout(r, DELTA_SPACING_MS));
      const before = Date.now();
      let gen: bigint;
      if (added) {
        gen = (await admin(cp, "DELETE", `/consumers/${added.consumerId}/keys/${added.keyId}`)).generation as bigint;
        added = null;
      } else {
        const consumerId = targets[(i / 2) % targets.length]?.id as string;
        const res = await admin(cp, "POST", `/consumers/${consumerId}/keys`, { name: `delta-${i}` });
        gen = res.generation as bigint;
        added = { consumerId, keyId: res.body.id as string };
      }
      requestMs.push(Date.now() - before);
      deltaAckMs.push((await fleetAckedAt(cp, [dp.nodeId], gen)) - before);
    }
    await new Promise((r) => setTimeout(r, 300));
    const slowestRequestDuringDeltaMs = await probe.stop();
    const perDelta = (total: number) => Math.round(total / Math.max(DELTAS, 1));
    const deltaDecodeMs =
      ((await m("switchyard_dataplane_config_decode_duration_seconds_sum")) ?? 0) * 1000 - full.decodeMs;
    const deltaCompileMs =
      ((await m("switchyard_dataplane_config_apply_duration_seconds_sum")) ?? 0) * 1000 - full.compileMs;
    const deltaBuildMs = await buildMsSince(cp, beforeDeltaBuild);
    const result = {
      consumers,
      apiKeys: consumers + 1,
      snapshotBytes: await m("switchyard_dataplane_config_snapshot_bytes"),
      controlPlaneBuildMs: Math.round(buildMs),
      dataPlaneStartToReadyMs: readyMs,
      fullDecodeMs: Math.round(full.decodeMs),
      fullCompileMs: Math.round(full.compileMs),
      oneKeyChanges: DELTAS,
      oneKeyCommitToAckP50Ms: percentile(deltaAckMs, 50),
      oneKeyCommitToAckP99Ms: percentile(deltaAckMs, 99),
      oneKeyCommitToAckMaxMs: Math.max(...deltaAckMs),
      /** Every change's time, in order (even: a key added; odd: that key revoked); in the JSON file only. */
      oneKeyCommitToAckEachMs: deltaAckMs,
      oneKeyAdminRequestEachMs: requestMs,
      oneKeyBuildMs: Math.round(deltaBuildMs),
      oneKeyDecodeMs: perDelta(deltaDecodeMs),
      oneKeyCompileMs: perDelta(deltaCompileMs),
      dataPlaneRssMiB: Math.round(((await m("process_resident_memory_bytes")) ?? 0) / 2 ** 20),
      dataPlaneHeapUsedMiB: Math.round(((await m("nodejs_heap_size_used_bytes")) ?? 0) / 2 ** 20),
      slowestRequestDuringDeltaMs,
      deltaSends: await metric(cp.metricsUrl, "switchyard_controlplane_snapshot_sends_total", { kind: "delta" }),
    };
    await admin(cp, "DELETE", `/providers/${provider.id}`);
    return result;
  } finally {
    // Also when a wait timed out: a node left running would skew every later measurement.
    await dp.stop();
  }
}

async function main(): Promise<void> {
  let pgi: PostgresInstance | undefined;
  let cp: BenchControlPlane | undefined;
  const dps: BenchDataPlane[] = [];
  try {
    pgi = await startPostgres();
    cp = await startControlPlane(pgi.url);
    const { body: provider } = await admin(cp, "POST", "/providers", { name: "mock", kind: "mock" });
    const { body: route } = await admin(cp, "POST", "/routes", {
      alias: "bench",
      providerId: provider.id,
      upstreamModel: "m",
    });
    const propagationResults = [];
    for (const n of [1, 10]) {
      log(`propagation with ${n} node(s), ${WRITES} writes`);
      while (dps.length < n) dps.push(await startDataPlane(`dp-${dps.length}`, cp.grpcAddress));
      propagationResults.push(await propagation(cp, dps, route.id, WRITES));
    }
    for (const dp of dps.splice(0)) await dp.stop();
    const sizeResults = [];
    let total = 0;
    for (const n of SIZES) {
      log(`configuration with ${n} consumers`);
      sizeResults.push(await size(cp, pgi.url, n, total));
      total = n;
    }
    const result = {
      at: new Date().toISOString(),
      node: process.version,
      propagation: propagationResults,
      sizes: sizeResults,
    };
    const dir = join(REPO_ROOT, "bench", "results");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `config-propagation-${result.at.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${render(result)}\nresults: ${file}\n`);
  } finally {
    for (const dp of dps) await dp.stop();
    if (cp) await stopProcess(cp.proc);
    await pgi?.stop();
  }
}

function render(r: {
  propagation: { nodes: number; writes: number; p50Ms: number; p99Ms: number; maxMs: number }[];
  sizes: Record<string, unknown>[];
}): string {
  const lines = [
    "",
    "Commit -> every node acked (lone writes)",
    "| nodes | writes | p50 ms | p99 ms | max ms |",
    "|---|---|---|---|---|",
  ];
  for (const p of r.propagation) lines.push(`| ${p.nodes} | ${p.writes} | ${p.p50Ms} | ${p.p99Ms} | ${p.maxMs} |`);
  const keys = Object.keys(r.sizes[0] ?? {}).filter((k) => !Array.isArray(r.sizes[0]?.[k]));
  lines.push("", "Configuration size", `| ${keys.join(" | ")} |`, `|${keys.map(() => "---").join("|")}|`);
  for (const s of r.sizes) lines.push(`| ${keys.map((k) => String(s[k])).join(" | ")} |`);
  return lines.join("\n");
}

main().catch((e: Error) => {
  process.stderr.write(`config-propagation benchmark failed: ${e.message}\n`);
  process.exit(1);
});
