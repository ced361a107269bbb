import { createDb, type Db, usage } from "@switchyard/db";
import OpenAI from "openai";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeOpenAI } from "../../fakes/openai-upstream.ts";
import { eventually, type RedisInstance, redisCommand } from "../../harness/index.ts";
import { adminClient, type ControlPlane, type DataPlane, fleetSecrets, metric, seedRoute } from "../fleet/fleet.ts";
import { type RedisFleet, startRedisFleet } from "../fleet/redis-fleet.ts";

/** What the clients saw: calls answered, and the tokens their answers reported. */
interface Served {
  ok: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
}

/**
 * The usage pipeline with real traffic: two data-plane processes serve calls made with the official `openai`
 * client (plain and streamed) and append a usage record per call to Redis; the control plane that consumes
 * them into PostgreSQL is SIGKILLed while records flow and started again. The data planes keep serving on
 * their last configuration meanwhile. The totals in PostgreSQL must equal exactly what the clients were served.
 */
describe("usage pipeline: real data-plane traffic, control plane killed", () => {
  const secrets = fleetSecrets();
  const NODES = ["dp-u1", "dp-u2"];
  let fleet: RedisFleet;
  let redis: RedisInstance;
  let upstream: FakeOpenAI;
  let databaseUrl: string;
  let db: Db;
  let cp: ControlPlane;
  const dps: DataPlane[] = [];

  beforeAll(async () => {
    fleet = await startRedisFleet({
      secrets,
      database: "usage_traffic",
      nodes: NODES,
      upstreamKey: "sk-up",
      cpEnv: { USAGE_BATCH_SIZE: "50", USAGE_CLAIM_IDLE_MS: "1000" },
    });
    ({ redis, upstream, cp, databaseUrl } = fleet);
    dps.push(...fleet.dps);
    db = createDb({ url: databaseUrl });
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await fleet?.stop();
  });

  async function recordsOf(consumerId: string) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query(
        `select count(*)::int as requests,
                count(*) filter (where status = 200)::int as ok,
                coalesce(sum(input_tokens), 0)::int as "inputTokens",
                coalesce(sum(output_tokens), 0)::int as "outputTokens",
                count(*) filter (where streamed)::int as streamed
           from usage_records where consumer_id = $1`,
        [consumerId],
      );
      return rows[0] as { requests: number; ok: number; inputTokens: number; outputTokens: number; streamed: number };
    } finally {
      await client.end();
    }
  }

  it("totals in PostgreSQL equal the calls served, none lost, none doubled", async () => {
    const admin = adminClient(cp.adminUrl, secrets.adminToken);
    const seeded = await seedRoute(admin, { baseUrl: upstream.url, upstreamKey: "sk-up", alias: "gpt" });
    await admin.converged(NODES);

    const TOTAL = 1_200;
    const WORKERS = 8;
    const served: Served = { ok: 0, failed: 0, inputTokens: 0, outputTokens: 0 };
    let streamedOk = 0;
    let next = 0;
    const clients = dps.map((dp) => new OpenAI({ baseURL: `${dp.url}/v1`, apiKey: seeded.key, maxRetries: 0 }));
    const call = async (i: number) => {
      const client = clients[i % clients.length]!;
      const messages = [{ role: "user" as const, content: `Say hello, number ${i}.` }];
      if (i % 4 === 0) {
        const stream = await client.chat.completions.create({
          model: "gpt",
          messages,
          stream: true,
          stream_options: { include_usage: true },
        });
        let u: OpenAI.CompletionUsage | undefined;
        for await (const chunk of stream) if (chunk.usage) u = chunk.usage;
        streamedOk++;
        return u;
      }
      return (await client.chat.completions.create({ model: "gpt", messages })).usage;
    };
    const worker = async () => {
      for (let i = next++; i < TOTAL; i = next++) {
        try {
          const u = await call(i);
          served.ok++;
          served.inputTokens += u?.prompt_tokens ?? 0;
          served.outputTokens += u?.completion_tokens ?? 0;
        } catch {
          served.failed++;
        }
      }
    };
    const flowing = Promise.all(Array.from({ length: WORKERS }, worker));

    // Kill the control plane once records are being committed, with calls still flowing, and with a batch read
    // but not committed: the table is held so its next commit blocks.
    await eventually(async () => (await recordsOf(seeded.consumerId)).requests >= 150, 30_000);
    const blocker = new pg.Client({ connectionString: databaseUrl });
    await blocker.connect();
    await blocker.query("begin");
    await blocker.query("lock table usage_records in share row exclusive mode");
    const pendingAtKill = await eventually(async () => {
      const reply = await redisCommand(redis.port, ["XPENDING", "sy:usage", "switchyard-control-plane"]);
      const count = Number(/^\*4\r\n:(\d+)/.exec(reply)?.[1] ?? 0);
      return count > 0 ? count : false;
    }, 10_000);
    await cp.kill("SIGKILL");
    await blocker.query("rollback");
    await blocker.end();
    const servedAtKill = served.ok;
    // The data planes serve on their last configuration while no control plane runs.
    await eventually(async () => served.ok >= servedAtKill + 200 || next >= TOTAL, 30_000);
    const servedWhileDown = served.ok - servedAtKill;
    await cp.start();
    await flowing;

    expect(served.failed).toBe(0);
    expect(served.ok).toBe(TOTAL);
    expect(servedWhileDown).toBeGreaterThan(0);
    expect(served.inputTokens).toBeGreaterThan(0);
    // The restarted replica (a new name) took over the batch the killed one had read and not committed.
    await eventually(
      async () => ((await metric(cp.metricsUrl, "switchyard_usage_records_claimed_total")) ?? 0) >= pendingAtKill,
      30_000,
    );
    await eventually(async () => (await recordsOf(seeded.consumerId)).requests >= TOTAL, 60_000).catch(() => {});
    expect(await recordsOf(seeded.consumerId)).toEqual({
      requests: TOTAL,
      ok: TOTAL,
      inputTokens: served.inputTokens,
      outputTokens: served.outputTokens,
      streamed: streamedOk,
    });
    // The daily totals were rolled up in the same commits: nothing doubled there either.
    const today = new Date().toISOString().slice(0, 10);
    const daily = await usage.query(db, {
      from: today,
      to: today,
      groupBy: "consumer",
      filters: { consumerId: seeded.consumerId },
    });
    expect(daily.total).toMatchObject({
      requests: TOTAL,
      inputTokens: served.inputTokens,
      outputTokens: served.outputTokens,
    });
  }, 180_000);
});
