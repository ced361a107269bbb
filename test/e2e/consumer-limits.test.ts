import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeOpenAI } from "../fakes/openai-upstream.ts";
import { eventually, type RedisInstance } from "../harness/index.ts";
import { type adminClient, type DataPlane, fleetSecrets } from "./fleet/fleet.ts";
import { type RedisFleet, startRedisFleet } from "./fleet/redis-fleet.ts";

interface Counter {
  limitId: string;
  kind: string;
  window: string | null;
  scope: string;
  scopeId: string;
  limit: number;
  used: number;
  remaining: number;
  windowStart: string | null;
  resetAt: string | null;
  resetMs: number | null;
}

/**
 * `GET /admin/v1/consumers/{id}/limits` against real traffic: two data planes count calls made with the
 * official `openai` client in a real Redis, and the control plane reports those counters for every limit of
 * every scope that applies to the consumer.
 */
describe("admin API: current counters of a consumer's limits", () => {
  const secrets = fleetSecrets();
  const NODES = ["dp-a", "dp-b"];
  let fleet: RedisFleet;
  let redis: RedisInstance;
  let upstream: FakeOpenAI;
  const dps: DataPlane[] = [];
  let admin: ReturnType<typeof adminClient>;
  const ids: Record<string, string> = {};
  const limitIds: Record<string, string> = {};
  const keys: Record<string, string> = {};

  async function created(path: string, body: Record<string, unknown>): Promise<string> {
    const r = await admin.call("POST", path, body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  }

  async function keyFor(consumerId: string): Promise<string> {
    const r = await admin.call("POST", `/consumers/${consumerId}/keys`, { name: "e2e" });
    expect(r.status).toBe(201);
    return r.body.key as string;
  }

  const counters = async (consumerId: string) => {
    const r = await admin.call("GET", `/consumers/${consumerId}/limits`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as { consumerId: string; groupId: string | null; data: Counter[] };
  };

  beforeAll(async () => {
    fleet = await startRedisFleet({ secrets, database: "consumer_limits", nodes: NODES, upstreamKey: "sk-up" });
    ({ redis, upstream, admin } = fleet);
    dps.push(...fleet.dps);

    ids.provider = await created("/providers", {
      name: "openai",
      kind: "openai",
      baseUrl: upstream.url,
      apiKey: "sk-up",
      allowInternal: true,
    });
    ids.route = await created("/routes", { alias: "gpt", providerId: ids.provider, upstreamModel: "gpt-4o-mini" });
    ids.group = await created("/groups", { name: "team" });
    ids.alice = await created("/consumers", { name: "alice", groupId: ids.group });
    ids.bob = await created("/consumers", { name: "bob" });
    const limit = async (name: string, body: Record<string, unknown>) => {
      limitIds[name] = await created("/limits", { failurePolicy: "fail-closed", ...body });
    };
    await limit("aliceRequests", {
      scope: "consumer",
      scopeId: ids.alice,
      kind: "requests",
      window: "hour",
      limit: 1000,
    });
    await limit("aliceTokens", {
      scope: "consumer",
      scopeId: ids.alice,
      kind: "total_tokens",
      window: "day",
      limit: 1e6,
    });
    await limit("aliceCost", { scope: "consumer", scopeId: ids.alice, kind: "cost_usd", window: "month", limit: 5 });
    await limit("groupRequests", {
      scope: "consumer_group",
      scopeId: ids.group,
      kind: "requests",
      window: "day",
      limit: 500,
    });
    await limit("routeRequests", { scope: "route", scopeId: ids.route, kind: "requests", window: "day", limit: 2000 });
    await limit("providerOutput", {
      scope: "provider",
      scopeId: ids.provider,
      kind: "output_tokens",
      window: "day",
      limit: 1e6,
    });
    await limit("globalSlots", { scope: "global", kind: "concurrency", limit: 64 });
    await limit("bobRequests", { scope: "consumer", scopeId: ids.bob, kind: "requests", window: "day", limit: 100 });
    keys.alice = await keyFor(ids.alice);
    keys.bob = await keyFor(ids.bob);
    await admin.converged(NODES);
  }, 120_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  it("reports, per limit of every scope, exactly what the data planes counted", async () => {
    // Away from an hour's edge: alice's hourly counter must not reset halfway through.
    const intoHour = Date.now() % 3_600_000;
    if (intoHour > 3_600_000 - 30_000) await new Promise((r) => setTimeout(r, 3_600_000 - intoHour + 500));
    const before = await counters(ids.alice!);
    expect(before.groupId).toBe(ids.group);
    expect(new Set(before.data.map((c) => c.limitId))).toEqual(
      new Set(Object.entries(limitIds).flatMap(([name, id]) => (name === "bobRequests" ? [] : [id]))),
    );
    for (const c of before.data) expect(c.used).toBe(0);

    const usage = { alice: { calls: 0, total: 0, output: 0 }, bob: { calls: 0, total: 0, output: 0 } };
    const calls = async (who: "alice" | "bob", n: number) => {
      for (let i = 0; i < n; i++) {
        const client = new OpenAI({ baseURL: `${dps[i % 2]!.url}/v1`, apiKey: keys[who]!, maxRetries: 0 });
        const r = await client.chat.completions.create({
          model: "gpt",
          messages: [{ role: "user", content: `Say hello ${i}.` }],
          ...(i % 3 === 0 ? { max_tokens: 20 } : {}),
        });
        usage[who].calls++;
        usage[who].total += r.usage?.total_tokens ?? 0;
        usage[who].output += r.usage?.completion_tokens ?? 0;
      }
    };
    await Promise.all([calls("alice", 12), calls("bob", 5)]);
    expect(usage.alice.total).toBeGreaterThan(0);

    // Settling is fire-and-forget after the response: wait until every reservation is settled to real usage.
    let now: Counter[] = [];
    await eventually(async () => {
      now = (await counters(ids.alice!)).data;
      const tokens = now.find((c) => c.limitId === limitIds.aliceTokens)!;
      const slots = now.find((c) => c.limitId === limitIds.globalSlots)!;
      return tokens.used === usage.alice.total && slots.used === 0;
    }, 10_000).catch(() => undefined);
    const byName = Object.fromEntries(
      Object.entries(limitIds).map(([name, id]) => [name, now.find((c) => c.limitId === id)]),
    );
    expect(byName.bobRequests).toBeUndefined();
    expect(byName.aliceRequests).toMatchObject({ scope: "consumer", window: "hour", used: 12, remaining: 988 });
    expect(byName.aliceTokens).toMatchObject({ used: usage.alice.total, remaining: 1e6 - usage.alice.total });
    expect(byName.groupRequests).toMatchObject({ scope: "consumer_group", scopeId: ids.group, used: 12 });
    // Route and provider counters are shared: bob's calls count there too.
    expect(byName.routeRequests).toMatchObject({ scope: "route", used: 17, remaining: 1983 });
    expect(byName.providerOutput).toMatchObject({ used: usage.alice.output + usage.bob.output });
    expect(byName.globalSlots).toMatchObject({ kind: "concurrency", used: 0, remaining: 64, resetAt: null });
    // gpt-4o-mini is priced (seeded catalog): $0.15 in, $0.60 out per million tokens, reported in USD.
    const cost = byName.aliceCost!;
    expect(cost.used).toBeGreaterThan(0);
    expect(cost.used).toBeLessThan(0.01);
    expect(cost.remaining).toBeCloseTo(5 - cost.used, 6);

    const hour = byName.aliceRequests!;
    expect(Date.parse(hour.windowStart!) % 3_600_000).toBe(0);
    expect(Date.parse(hour.resetAt!) - Date.parse(hour.windowStart!)).toBe(3_600_000);
    expect(hour.resetMs).toBeGreaterThan(0);
    expect(hour.resetMs).toBeLessThanOrEqual(3_600_000);

    const bob = await counters(ids.bob!);
    expect(bob.groupId).toBeNull();
    expect(bob.data.find((c) => c.limitId === limitIds.bobRequests)).toMatchObject({ used: 5, remaining: 95 });
    expect(bob.data.some((c) => c.limitId === limitIds.groupRequests)).toBe(false);
  }, 60_000);

  it("answers 404 for an unknown consumer and 400 naming a malformed id", async () => {
    const unknown = await admin.call("GET", "/consumers/00000000-0000-4000-8000-000000000000/limits");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");
    const bad = await admin.call("GET", "/consumers/not-a-uuid/limits");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error.details)).toContain("id");
  });

  it("answers 503 while Redis is down, and counters again when it is back", async () => {
    await redis.kill();
    try {
      const r = await admin.call("GET", `/consumers/${ids.alice}/limits`);
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe("unavailable");
    } finally {
      await redis.start();
    }
    await eventually(async () => (await admin.call("GET", `/consumers/${ids.alice}/limits`)).status === 200, 15_000);
  }, 30_000);
});
