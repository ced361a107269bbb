import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.ts";
import { eventually, type PostgresInstance, type RedisInstance, startPostgres, startRedis } from "../harness/index.ts";
import {
  adminClient,
  type ControlPlane,
  controlPlane,
  type DataPlane,
  dataPlane,
  type FleetNode,
  fleetSecrets,
  metric,
  seedRoute,
} from "./fleet/fleet.ts";

const UPSTREAM_KEY = "sk-upstream-replicas";

/**
 * Two control-plane replicas on one PostgreSQL, three data planes split between them. The backstop poll is
 * set to a minute, so everything here travels by LISTEN/NOTIFY (or the stream) within the test's bounds.
 */
describe("several control-plane replicas", () => {
  const secrets = fleetSecrets();
  let pg: PostgresInstance;
  let redis: RedisInstance;
  let upstream: FakeOpenAI;
  let cps: ControlPlane[] = [];
  let dps: DataPlane[] = [];
  let admins: ReturnType<typeof adminClient>[] = [];
  const nodeIds = ["dp-0", "dp-1", "dp-2"];
  let apiKey = "";
  let routeId = "";
  /** The version every node served after the first test, for the rollback. */
  let firstVersion = "";

  const lastGeneration = () => admins.reduce((max, a) => (a.lastGeneration() > max ? a.lastGeneration() : max), 0n);
  /** Every node, seen from `admin`'s replica, acked a snapshot of the newest generation written anywhere. */
  const allOnLatest = async (admin: ReturnType<typeof adminClient>, ids = nodeIds) => {
    const target = lastGeneration().toString();
    await eventually(async () => {
      const nodes = await admin.nodes();
      return ids.every((id) => nodes.some((n) => n.nodeId === id && n.connected && n.ackedGeneration === target));
    }, 15_000);
  };
  const chat = (dp: DataPlane, content = "hi") =>
    fetch(`${dp.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-rep", messages: [{ role: "user", content }] }),
    });

  beforeAll(async () => {
    [pg, redis, upstream] = await Promise.all([
      startPostgres(),
      startRedis(),
      startFakeOpenAI({ apiKey: UPSTREAM_KEY }),
    ]);
    const tuning = { SNAPSHOT_POLL_INTERVAL_MS: "60000", NODE_STATUS_FLUSH_MS: "300" };
    cps = [
      await controlPlane("cp-a", secrets, pg.url, { ...tuning, REPLICA_ID: "cp-a" }),
      await controlPlane("cp-b", secrets, pg.url, { ...tuning, REPLICA_ID: "cp-b" }),
    ];
    await Promise.all(cps.map((cp) => cp.start()));
    admins = cps.map((cp) => adminClient(cp.adminUrl, secrets.adminToken));
    dps = await Promise.all(
      nodeIds.map((id, i) => dataPlane(id, secrets, (cps[i < 2 ? 0 : 1] as ControlPlane).grpcAddress, redis.url)),
    );
    await Promise.all(dps.map((dp) => dp.start()));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...cps, ...dps].map((p) => p.kill()));
    for (const dp of dps) dp.cleanup();
    await Promise.all([pg?.stop(), redis?.stop(), upstream?.close()]);
  });

  it("a write on either replica reaches all three nodes, and the fleet view shows each node's version", async () => {
    const [a, b] = admins as [ReturnType<typeof adminClient>, ReturnType<typeof adminClient>];
    ({ key: apiKey, routeId } = await seedRoute(a, {
      baseUrl: upstream.url,
      upstreamKey: UPSTREAM_KEY,
      alias: "gpt-rep",
    }));
    await allOnLatest(a);
    await allOnLatest(b);
    for (const dp of dps) expect((await chat(dp)).status).toBe(200);

    const patched = await b.call("PATCH", `/routes/${routeId}`, { upstreamModel: "written-on-b" });
    expect(patched.status).toBe(200);
    await allOnLatest(a);
    const before = upstream.requests.length;
    for (const dp of dps) expect((await chat(dp)).status).toBe(200);
    expect(upstream.requests.slice(before).map((r) => (r.body as { model: string }).model)).toEqual([
      "written-on-b",
      "written-on-b",
      "written-on-b",
    ]);

    const nodes = await a.nodes();
    const snapshot = (await a.call("GET", "/snapshot")).body;
    firstVersion = snapshot.version;
    expect(nodes.map((n: FleetNode) => [n.nodeId, n.controlPlane, n.connected, n.ackedVersion])).toEqual([
      ["dp-0", "cp-a", true, snapshot.version],
      ["dp-1", "cp-a", true, snapshot.version],
      ["dp-2", "cp-b", true, snapshot.version],
    ]);
    expect(nodes[2]).toMatchObject({
      hostname: expect.any(String),
      buildVersion: expect.any(String),
      compatible: true,
      ackedGeneration: snapshot.generation,
      lastNack: null,
    });
  });

  it("100 admin writes in one second: every node ends on the last generation, with a bounded number of pushes", async () => {
    const sendsBefore = await Promise.all(
      cps.map((cp) => metric(cp.metricsUrl, "switchyard_controlplane_snapshot_sends_total")),
    );
    const appliesBefore = await Promise.all(
      dps.map((dp) => metric(dp.metricsUrl, "switchyard_dataplane_config_applies_total", { source: "stream" })),
    );
    const started = Date.now();
    const writes = Array.from({ length: 100 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 9));
      const res = await (admins[i % 2] as ReturnType<typeof adminClient>).call("POST", "/consumers", {
        name: `burst-${i}`,
      });
      expect(res.status).toBe(201);
    });
    await Promise.all(writes);
    expect(Date.now() - started).toBeLessThan(3_000);
    await allOnLatest(admins[0] as ReturnType<typeof adminClient>);
    await allOnLatest(admins[1] as ReturnType<typeof adminClient>);

    const sendsAfter = await Promise.all(
      cps.map((cp) => metric(cp.metricsUrl, "switchyard_controlplane_snapshot_sends_total")),
    );
    const sends = sendsAfter.reduce((s: number, v, i) => s + (v ?? 0) - (sendsBefore[i] ?? 0), 0);
    const applies = await Promise.all(
      dps.map(async (dp, i) => {
        const now = await metric(dp.metricsUrl, "switchyard_dataplane_config_applies_total", { source: "stream" });
        return (now ?? 0) - (appliesBefore[i] ?? 0);
      }),
    );
    // Leading + trailing debounce (50 ms quiet, 250 ms at most): a one-second burst is five or six builds, not
    // 100; the bound leaves room for a loaded machine splitting the burst at a few more pauses.
    for (const n of applies) {
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(12);
    }
    expect(sends).toBeLessThanOrEqual(3 * 12);
  });

  it("kill -9 of a replica during steady traffic: no failed request, and its nodes catch up after the restart", async () => {
    const [a, b] = admins as [ReturnType<typeof adminClient>, ReturnType<typeof adminClient>];
    const cpA = cps[0] as ControlPlane;
    const failures: string[] = [];
    let ok = 0;
    let running = true;
    const loop = async (dp: DataPlane) => {
      while (running) {
        try {
          const res = await chat(dp);
          await res.text();
          if (res.status === 200) ok += 1;
          else failures.push(`${dp.url}: ${res.status}`);
        } catch (e) {
          failures.push(`${dp.url}: ${(e as Error).message}`);
        }
      }
    };
    const traffic = [loop(dps[0] as DataPlane), loop(dps[1] as DataPlane), loop(dps[0] as DataPlane)];
    await eventually(async () => ok > 20);
    await cpA.kill("SIGKILL");
    const during = ok;
    // A write while replica A is gone: only B (and dp-2) can see it now.
    expect((await b.call("PATCH", `/routes/${routeId}`, { upstreamModel: "while-a-was-down" })).status).toBe(200);
    await allOnLatest(b, ["dp-2"]);
    await eventually(async () => ok > during + 40);
    await cpA.start();
    await allOnLatest(a);
    running = false;
    await Promise.all(traffic);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(during);
    const before = upstream.requests.length;
    expect((await chat(dps[0] as DataPlane)).status).toBe(200);
    expect(upstream.requests.slice(before).map((r) => (r.body as { model: string }).model)).toEqual([
      "while-a-was-down",
    ]);
  });

  it("a rollback through either replica restores the earlier behaviour on every node", async () => {
    const [a, b] = admins as [ReturnType<typeof adminClient>, ReturnType<typeof adminClient>];
    const preview = await b.call("POST", `/snapshots/${firstVersion}/rollback`, { preview: true });
    expect(preview.status).toBe(200);
    expect(preview.body.changes.routes.changed[0].fields.upstreamModel).toEqual({
      from: "while-a-was-down",
      to: "written-on-b",
    });
    const done = await b.call("POST", `/snapshots/${firstVersion}/rollback`, {
      expectGeneration: preview.body.basedOnGeneration,
    });
    expect(done.status).toBe(200);
    await allOnLatest(a);
    const before = upstream.requests.length;
    for (const dp of dps) expect((await chat(dp)).status).toBe(200);
    expect(upstream.requests.slice(before).map((r) => (r.body as { model: string }).model)).toEqual([
      "written-on-b",
      "written-on-b",
      "written-on-b",
    ]);
    // Consumers are never rolled back: the burst's 100 consumers are still there.
    const snap = (await a.call("GET", `/snapshots/${(await a.call("GET", "/snapshot")).body.version}`)).body;
    expect(snap.counts.consumers).toBe(101);
  });
});
