import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisClusterInstance, startRedisCluster } from "../../../test/harness/index.ts";
import type { LimitRule } from "./engine-types.ts";
import { keySlot } from "./key-slot.ts";
import { counterBase, counterKey } from "./limit-keys.ts";
import { createRedisConnection, type RedisClient } from "./redis-connection.ts";
import { createLimiter, type LimiterOptions } from "./redis-engine.ts";
import { freshMinute, redisNowMs } from "./test-redis.ts";
import { amounts, testRule } from "./test-rules.ts";
import { WINDOW_CODE, windowBounds } from "./windows.ts";

/** Which of the 3 masters owns a slot: the harness gives node i the i-th equal share. */
const nodeOfSlot = (slot: number) => Math.min(2, Math.floor(slot / Math.ceil(16_384 / 3)));

/** Scope keys of the given kinds whose hash tags land on three different masters. */
function scopesOnThreeNodes(): [string, string, string] {
  for (;;) {
    const scopes = [`consumer:${randomUUID()}`, `group:${randomUUID()}`, `route:${randomUUID()}`] as const;
    if (new Set(scopes.map((s) => nodeOfSlot(keySlot(s)))).size === 3) return [...scopes];
  }
}

describe("createLimiter against a real 3-master Redis Cluster", () => {
  let cluster: RedisClusterInstance;
  let masters: Redis[];
  const clients: RedisClient[] = [];
  const engine = async (opts: Partial<LimiterOptions> = {}) => {
    const client = createRedisConnection({ clusterNodes: [cluster.nodes[0]!] }, { commandTimeoutMs: 2_000 });
    client.on("error", () => {});
    clients.push(client);
    if (client.status !== "ready") await once(client, "ready");
    return createLimiter({ client, commandTimeoutMs: 2_000, ...opts });
  };
  /** A counter's value read from the master that owns it (read directly: proves where the key lives). */
  const counter = async (rule: LimitRule) => {
    const base = counterBase("sy", rule);
    const master = masters[nodeOfSlot(keySlot(base))]!;
    const [start] = windowBounds(await redisNowMs(master), WINDOW_CODE[rule.window!]);
    return master.get(counterKey(base, start));
  };

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    masters = cluster.nodes.map((n) => new Redis(n.port, n.host));
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const m of masters) m.disconnect();
    await cluster.stop();
  });

  it("admits exactly the limit across slots and refunds the other slots' reservations of rejected requests", async () => {
    await freshMinute(masters[0]!);
    const [consumer, group, route] = scopesOnThreeNodes();
    const perConsumer = testRule("requests", 100, { scopeKey: consumer });
    const perGroup = testRule("requests", 1_000, { scopeKey: group });
    const groupTokens = testRule("total_tokens", 1_000_000, { scopeKey: group });
    const perRoute = testRule("requests", 10_000, { scopeKey: route });
    const rules = [perConsumer, perGroup, groupTokens, perRoute];
    const nodes = await Promise.all([engine(), engine(), engine(), engine()]);
    const plans = nodes.map((n) => n.plan(rules));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => nodes[i % 4]!.acquire(plans[i % 4]!, amounts({ inputTokens: 10 }))),
    );
    expect(results.filter((a) => a.allowed)).toHaveLength(100);
    expect(results.every((a) => !a.degraded)).toBe(true);
    for (const a of results.filter((x) => !x.allowed)) {
      expect(a).toMatchObject({ blockedBy: perConsumer.id, reason: "rate_limit" });
    }
    // Every rejection was refunded on the other masters before acquire answered.
    expect(await counter(perConsumer)).toBe("100");
    expect(await counter(perGroup)).toBe("100");
    expect(await counter(groupTokens)).toBe("1000");
    expect(await counter(perRoute)).toBe("100");
  }, 60_000);

  it("a rejection in one slot leaves nothing reserved in the others; settle and leases work per slot", async () => {
    await freshMinute(masters[0]!);
    const [consumer, group, route] = scopesOnThreeNodes();
    const tokens = testRule("input_tokens", 1_000, { scopeKey: consumer });
    const slots = testRule("concurrency", 1, { scopeKey: group });
    const budget = testRule("cost_usd", 500, { scopeKey: route, window: "month", quota: true });
    const limiter = await engine();
    const plan = limiter.plan([tokens, slots, budget]);
    const a = await limiter.acquire(plan, amounts({ inputTokens: 300, costMicroUsd: 400 }));
    expect(a.allowed).toBe(true);
    expect(await masters[nodeOfSlot(keySlot(group))]!.zcard(counterBase("sy", slots))).toBe(1);
    const over = await limiter.acquire(plan, amounts({ inputTokens: 300, costMicroUsd: 400 }));
    expect(over).toMatchObject({ allowed: false });
    expect(await counter(tokens)).toBe("300");
    expect(await masters[nodeOfSlot(keySlot(group))]!.zcard(counterBase("sy", slots))).toBe(1);
    limiter.settle(a.lease!, amounts({ inputTokens: 120, costMicroUsd: 100 }));
    await new Promise((r) => setTimeout(r, 200));
    expect(await counter(tokens)).toBe("120");
    expect(await counter(budget)).toBe("100");
    expect(await masters[nodeOfSlot(keySlot(group))]!.zcard(counterBase("sy", slots))).toBe(0);
    const again = await limiter.acquire(plan, amounts({ inputTokens: 300, costMicroUsd: 400 }));
    expect(again).toMatchObject({ allowed: true, tokens: { limit: 1000, remaining: 580 } });
  }, 60_000);

  it("renews leases per slot: a call holding slots on three masters keeps them all for several TTLs", async () => {
    const rules = scopesOnThreeNodes().map((scopeKey) => testRule("concurrency", 1, { scopeKey }));
    const limiter = await engine({ leaseTtlMs: 1_000 });
    const other = await engine({ leaseTtlMs: 1_000 });
    const a = await limiter.acquire(limiter.plan(rules), amounts());
    expect(a.allowed).toBe(true);
    await new Promise((r) => setTimeout(r, 3_500));
    for (const r of rules) {
      expect(await other.acquire(other.plan([r]), amounts())).toMatchObject({ allowed: false, blockedBy: r.id });
    }
    limiter.settle(a.lease!, amounts());
    await new Promise((r) => setTimeout(r, 200));
    for (const r of rules) {
      const b = await other.acquire(other.plan([r]), amounts());
      expect(b.allowed).toBe(true);
      other.settle(b.lease!, amounts());
    }
    await Promise.all([limiter.close(), other.close()]);
  }, 60_000);

  it("with one master dead, its rules follow their policies while the others are counted (and refunded)", async () => {
    await freshMinute(masters[0]!);
    const [consumer] = scopesOnThreeNodes();
    const deadNode = (nodeOfSlot(keySlot(consumer)) + 1) % 3;
    const onDead = (kind: string) => {
      for (;;) {
        const scope = `${kind}:${randomUUID()}`;
        if (nodeOfSlot(keySlot(scope)) === deadNode) return scope;
      }
    };
    const [group, route] = [onDead("group"), onDead("route")];
    const alive = testRule("requests", 100, { scopeKey: consumer });
    const localOnDead = testRule("requests", 100, { scopeKey: group, failurePolicy: "local", localLimit: 2 });
    const closedOnDead = testRule("requests", 100, { scopeKey: route, failurePolicy: "fail-closed" });
    const limiter = await engine();
    const local = limiter.plan([alive, localOnDead]);
    const closed = limiter.plan([alive, closedOnDead]);
    expect((await limiter.acquire(closed, amounts())).allowed).toBe(true);
    expect(await counter(alive)).toBe("1");
    await cluster.kill(deadNode);
    try {
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await limiter.acquire(local, amounts()));
      expect(results.map((a) => [a.allowed, a.degraded])).toEqual([
        [true, true],
        [true, true],
        [false, true],
        [false, true],
      ]);
      expect(results[2]).toMatchObject({ blockedBy: localOnDead.id, reason: "rate_limit" });
      const c = await limiter.acquire(closed, amounts());
      expect(c).toMatchObject({ allowed: false, reason: "unavailable", blockedBy: closedOnDead.id });
      // Admitted twice more; the three rejections were refunded on the live master.
      expect(await counter(alive)).toBe("3");
    } finally {
      await cluster.start(deadNode);
    }
  }, 60_000);

  it("admits exactly the limit per consumer on every shard; a dead shard degrades its consumers within the timeout, then recovers", async () => {
    await freshMinute(masters[0]!);
    /** A consumer's per-minute and per-hour rules: one scope, so one hash tag, one slot, one script call. */
    const consumerRules = (scopeKey: string, perMinute: number) => [
      testRule("requests", perMinute, { scopeKey }),
      testRule("requests", 1_000, { scopeKey, window: "hour" }),
    ];
    const consumers = Array.from({ length: 30 }, () => `consumer:${randomUUID()}`);
    expect(new Set(consumers.map((c) => nodeOfSlot(keySlot(c)))).size).toBe(3);
    const limiter = await engine();
    const results = await Promise.all(
      consumers.map(async (c) => {
        const plan = limiter.plan(consumerRules(c, 5));
        return Promise.all(Array.from({ length: 8 }, () => limiter.acquire(plan, amounts())));
      }),
    );
    for (const admissions of results) {
      expect(admissions.filter((a) => a.degraded)).toEqual([]);
      expect(admissions.filter((a) => a.allowed)).toHaveLength(5);
      for (const a of admissions.filter((x) => !x.allowed)) {
        expect(a.reason).toBe("rate_limit");
        expect(a.retryAfterMs).toBeGreaterThan(0);
      }
    }

    // A short command timeout, as the data plane runs with: a dead master costs one timeout at most.
    const fastClient = createRedisConnection({ clusterNodes: [cluster.nodes[0]!] }, { commandTimeoutMs: 100 });
    fastClient.on("error", () => {});
    clients.push(fastClient);
    if (fastClient.status !== "ready") await once(fastClient, "ready");
    const fast = createLimiter({ client: fastClient, commandTimeoutMs: 100 });
    const onDead = consumers.filter((c) => nodeOfSlot(keySlot(c)) === 2);
    const onLive = consumers.filter((c) => nodeOfSlot(keySlot(c)) !== 2);
    await cluster.kill(2);
    try {
      expect(onDead.length).toBeGreaterThanOrEqual(4);
      for (const c of onDead.slice(0, 4)) {
        const started = Date.now();
        const a = await fast.acquire(fast.plan(consumerRules(c, 1_000)), amounts());
        expect(a).toMatchObject({ degraded: true, allowed: false, reason: "unavailable" });
        // One command timeout (100 ms) at most, plus scheduling slack on a busy machine.
        expect(Date.now() - started).toBeLessThan(400);
      }
      // Four failures opened the dead master's breaker, and only its breaker: every consumer on the live
      // masters is still counted in Redis (with one breaker for the whole cluster they would all be degraded now).
      const live = await Promise.all(onLive.map((c) => fast.acquire(fast.plan(consumerRules(c, 1_000)), amounts())));
      for (const a of live) expect(a).toMatchObject({ degraded: false, allowed: true });
      const held = await fast.acquire(fast.plan(consumerRules(onDead[4] ?? onDead[0]!, 1_000)), amounts());
      expect(held).toMatchObject({ degraded: true, reason: "unavailable" });
    } finally {
      await cluster.start(2);
    }
    const plan = fast.plan(consumerRules(onDead[0]!, 1_000));
    const deadline = Date.now() + 20_000;
    let a = await fast.acquire(plan, amounts());
    while (a.degraded && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      a = await fast.acquire(plan, amounts());
    }
    expect(a).toMatchObject({ degraded: false, allowed: true });
    await Promise.all([limiter.close(), fast.close()]);
  }, 60_000);
});
