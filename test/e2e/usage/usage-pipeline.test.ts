import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb, type Db, usage } from "@switchyard/db";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDatabase,
  eventually,
  type PostgresInstance,
  type RedisInstance,
  startPostgres,
  startRedis,
} from "../../harness/index.ts";
import { adminClient, type ControlPlane, controlPlane, fleetSecrets, metric } from "../fleet/fleet.ts";
import { expected, flowRecord, pump, testProducer } from "./usage-flow.ts";

/**
 * The usage pipeline end to end with real processes: a producer (the data plane's, in this process) appends to
 * a real Redis, a real control-plane process consumes into a real PostgreSQL. The totals must equal what was
 * produced, exactly, through a control-plane crash mid-commit, a replay of the same records and a Redis outage.
 */
describe("usage pipeline", () => {
  let postgres: PostgresInstance;
  let redis: RedisInstance;
  let databaseUrl: string;
  let db: Db;
  let cp: ControlPlane;
  const dirs: string[] = [];
  const secrets = fleetSecrets();
  const today = new Date().toISOString().slice(0, 10);
  const day = { from: today, to: today };

  const tempDir = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    postgres = await startPostgres();
    databaseUrl = await createDatabase(postgres, "usage_e2e");
    // Persisted with every write fsynced, as a production Redis for usage should be, so a restart keeps the stream.
    redis = await startRedis(["--appendonly", "yes", "--appendfsync", "always", "--dir", tempDir("sy-redis-")]);
    cp = await controlPlane("cp", secrets, databaseUrl, {
      REDIS_URL: redis.url,
      USAGE_BATCH_SIZE: "100",
      USAGE_CLAIM_IDLE_MS: "1000",
    });
    await cp.start();
    db = createDb({ url: databaseUrl });
  }, 120_000);

  afterAll(async () => {
    await cp?.kill("SIGTERM");
    await db?.close();
    await redis?.stop();
    await postgres?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** The totals of one run (its records all belong to consumers 0..2 of today). */
  async function totalsOf(run: string) {
    const { rows } = await pgQuery(
      `select count(*)::int as requests, coalesce(sum(input_tokens),0)::int as "inputTokens",
              coalesce(sum(output_tokens),0)::int as "outputTokens",
              coalesce(sum(cost_micro_usd),0)::int as "costMicroUsd",
              count(*) filter (where cost_micro_usd is null)::int as "unpricedRequests"
         from usage_records where request_id like $1`,
      [`${run}-%`],
    );
    return rows[0];
  }

  async function pgQuery(text: string, values: unknown[] = []) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return await client.query(text, values);
    } finally {
      await client.end();
    }
  }

  const dailyRequests = async () => (await usage.query(db, { ...day, groupBy: "consumer" })).total.requests;

  it("survives a control plane killed mid-commit: totals equal the records produced, none lost, none doubled", async () => {
    const { producer, client } = testProducer(redis.url, tempDir("sy-spool-"));
    const n = 3_000;
    const flowing = pump(producer, "crash", n);
    await eventually(async () => (await totalsOf("crash")).requests >= 300, 20_000);

    // Hold the table so the control plane's next commit blocks: it has read a batch and not acknowledged it.
    const blocker = new pg.Client({ connectionString: databaseUrl });
    await blocker.connect();
    await blocker.query("begin");
    await blocker.query("lock table usage_records in share row exclusive mode");
    const pendingAtKill = await eventually(async () => {
      const [count] = (await client.xpending("sy:usage", "switchyard-control-plane")) as [number];
      return count > 0 ? count : false;
    }, 10_000);
    await cp.kill("SIGKILL");
    await blocker.query("rollback");
    await blocker.end();

    // Records keep flowing into the stream while no control plane runs; a new replica (new name) claims the
    // dead one's pending batch once it has been idle for USAGE_CLAIM_IDLE_MS.
    await new Promise((r) => setTimeout(r, 500));
    await cp.start();
    await flowing;
    await eventually(async () => (await totalsOf("crash")).requests === n, 30_000);
    expect(await totalsOf("crash")).toEqual(expected("crash", n));
    await eventually(async () => (await dailyRequests()) === n, 10_000);
    const byConsumer = await usage.query(db, { ...day, groupBy: "consumer" });
    const e = expected("crash", n);
    expect(byConsumer.total).toMatchObject({
      requests: n,
      inputTokens: e.inputTokens,
      outputTokens: e.outputTokens,
      costMicroUsd: e.costMicroUsd,
      unpricedRequests: e.unpricedRequests,
    });
    expect(await metric(cp.metricsUrl, "switchyard_usage_records_claimed_total")).toBeGreaterThanOrEqual(pendingAtKill);
    await eventually(
      async () => ((await client.xpending("sy:usage", "switchyard-control-plane")) as [number])[0] === 0,
    );

    // The same records once more (a data plane replaying its spool, say): nothing is counted twice.
    for (let i = 0; i < n; i++) producer.record(flowRecord("crash", i));
    await producer.flush();
    await eventually(async () => {
      const [group] = (await client.xinfo("GROUPS", "sy:usage")) as unknown[][];
      const fields = new Map<unknown, unknown>();
      for (let i = 0; i + 1 < (group?.length ?? 0); i += 2) fields.set(group?.[i], group?.[i + 1]);
      return fields.get("lag") === 0;
    }, 10_000);
    await eventually(
      async () => ((await client.xpending("sy:usage", "switchyard-control-plane")) as [number])[0] === 0,
    );
    expect(await totalsOf("crash")).toEqual(expected("crash", n));
    expect(await dailyRequests()).toBe(n);
    await producer.close();
    client.disconnect();
  }, 120_000);

  it("spools while Redis is down and replays after it is back: totals exact", async () => {
    const before = await dailyRequests();
    const { producer, client, registry } = testProducer(redis.url, tempDir("sy-spool-"));
    const n = 2_000;
    const flowing = pump(producer, "outage", n);
    await eventually(async () => (await totalsOf("outage")).requests >= 200, 20_000);
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1_000));
    await redis.start();
    await flowing;
    await eventually(async () => (await totalsOf("outage")).requests === n, 30_000);
    expect(await totalsOf("outage")).toEqual(expected("outage", n));
    const counted = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;
    expect(await counted("switchyard_usage_records_spooled_total")).toBeGreaterThan(0);
    expect(await counted("switchyard_usage_records_replayed_total")).toBeGreaterThan(0);
    await eventually(async () => (await dailyRequests()) === before + n, 10_000);
    await producer.close();
    client.disconnect();
  }, 120_000);

  describe("admin API", () => {
    const admin = () => adminClient(cp.adminUrl, secrets.adminToken);

    it("answers totals per key and per day, with cost in USD and micro-USD and unpriced counts", async () => {
      await usage.insertBatch(db, [
        { ...flowRecord("api", 0, Date.UTC(2020, 0, 1, 23, 59)), consumerId: "c-x", costMicroUsd: 1_500_000 },
        { ...flowRecord("api", 1, Date.UTC(2020, 0, 2)), consumerId: "c-x", costMicroUsd: null },
        { ...flowRecord("api", 2, Date.UTC(2020, 0, 2)), consumerId: "c-y", costMicroUsd: 7 },
      ]);
      const res = await admin().call("GET", "/usage?from=2020-01-01&to=2020-01-31&groupBy=consumer");
      expect(res.status).toBe(200);
      expect(res.body.total).toMatchObject({
        requests: 3,
        costMicroUsd: 1_500_007,
        costUsd: "1.500007",
        unpricedRequests: 1,
      });
      expect(res.body.data.map((d: { key: string; costUsd: string }) => [d.key, d.costUsd])).toEqual([
        ["c-x", "1.500000"],
        ["c-y", "0.000007"],
      ]);
      expect(
        res.body.daily.map((d: { day: string; key: string; requests: number }) => [d.day, d.key, d.requests]),
      ).toEqual([
        ["2020-01-01", "c-x", 1],
        ["2020-01-02", "c-x", 1],
        ["2020-01-02", "c-y", 1],
      ]);
      const byModel = await admin().call("GET", "/usage?from=2020-01-02&to=2020-01-02&groupBy=model&consumerId=c-x");
      expect(byModel.body.data.map((d: { key: string }) => d.key)).toEqual(["gpt-4o"]);
      const byGroup = await admin().call("GET", "/usage?from=2020-01-01&to=2020-01-02&groupBy=group");
      expect(byGroup.body.data.map((d: { key: string | null }) => d.key).sort()).toEqual([null, "team-a"].sort());
    });

    it("refuses bad queries with 400 naming the parameter, and anyone without the admin token", async () => {
      const cases: [string, string][] = [
        ["/usage?to=2020-01-01&groupBy=consumer", "from"],
        ["/usage?from=2020-02-30&to=2020-03-01&groupBy=consumer", "from"],
        ["/usage?from=2020-01-02&to=2020-01-01&groupBy=route", "to"],
        ["/usage?from=2020-01-01&to=2023-01-01&groupBy=route", "to"],
        ["/usage?from=2020-01-01&to=2020-01-02&groupBy=provider", "groupBy"],
      ];
      for (const [path, field] of cases) {
        const res = await admin().call("GET", path);
        expect(res.status, path).toBe(400);
        expect(
          res.body.error.details.map((d: { field: string }) => d.field),
          path,
        ).toEqual([field]);
      }
      const anonymous = await fetch(`${cp.adminUrl}/admin/v1/usage?from=2020-01-01&to=2020-01-02&groupBy=route`);
      expect(anonymous.status).toBe(401);
    });
  });
});
