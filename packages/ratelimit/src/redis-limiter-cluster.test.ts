import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisClusterInstance, redisCommand, startRedisCluster } from "../../../test/harness/index.ts";
import { ruleKeyBase } from "./keys.ts";
import { createRedisConnection, type RedisClient } from "./redis-connection.ts";
import { createRedisLimiter } from "./redis-limiter.ts";
import type { RequestLimiter, RequestRule } from "./types.ts";

/** Two rules of one consumer (per minute and per hour): one scope, so one hash tag and one slot. */
function consumerRules(consumer: string, perMinute: number): RequestRule[] {
  const scopeKey = `consumer:${consumer}`;
  return [
    { id: `${consumer}-m`, limit: perMinute, windowMs: 60_000, scopeKey, failurePolicy: "fail-closed" },
    { id: `${consumer}-h`, limit: 1_000, windowMs: 3_600_000, scopeKey, failurePolicy: "fail-closed" },
  ];
}

/**
 * The existing limiter through a Cluster client made by createRedisConnection, against a real 3-master
 * Redis Cluster: its keys carry the scope as hash tag, so all rules of one consumer run as one script on
 * one shard, and a dead shard degrades only the consumers it holds, quickly.
 */
describe("createRedisLimiter on a real 3-master Redis Cluster", () => {
  let cluster: RedisClusterInstance;
  let client: RedisClient;
  let limiter: RequestLimiter;
  // Consumers spread over all three shards (keyed by the node that holds their slot).
  const consumers = Array.from({ length: 30 }, () => randomUUID());

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    client = createRedisConnection({ clusterNodes: [cluster.nodes[0]!] }, { commandTimeoutMs: 100 });
    limiter = createRedisLimiter({ client });
    await new Promise((resolve) => client.once("ready", resolve));
  }, 60_000);
  afterAll(async () => {
    await limiter?.close();
    client?.disconnect();
    await cluster?.stop();
  });

  /** Index of the master holding a consumer's keys: node i owns the i-th equal share of the slots. */
  async function shardOf(consumer: string): Promise<number> {
    const key = ruleKeyBase("sy", consumerRules(consumer, 1)[0]!);
    const slot = Number(/:(\d+)/.exec(await redisCommand(cluster.nodes[0]!.port, ["CLUSTER", "KEYSLOT", key]))![1]);
    return Math.floor(slot / Math.ceil(16_384 / cluster.nodes.length));
  }

  it("admits exactly the limit per consumer, whichever shard holds it", async () => {
    const shards = new Set(await Promise.all(consumers.map(shardOf)));
    expect(shards.size).toBe(3);
    const results = await Promise.all(
      consumers.map(async (c) => {
        const rules = consumerRules(c, 5);
        const decisions = await Promise.all(Array.from({ length: 8 }, () => limiter.check(rules)));
        return decisions;
      }),
    );
    for (const decisions of results) {
      expect(decisions.filter((d) => d.degraded)).toEqual([]);
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
      const rejected = decisions.filter((d) => !d.allowed);
      expect(rejected.every((d) => d.blockedBy?.endsWith("-m") && d.retryAfterMs > 0)).toBe(true);
    }
  });

  it("degrades only the consumers of a dead shard, within the command timeout, and recovers", async () => {
    const byShard = await Promise.all(consumers.map(async (c) => [c, await shardOf(c)] as const));
    const onDead = byShard.filter(([, s]) => s === 2).map(([c]) => c);
    const onLive = byShard.filter(([, s]) => s !== 2).map(([c]) => c);
    expect(onDead.length).toBeGreaterThan(0);

    await cluster.kill(2);
    try {
      for (const c of onDead.slice(0, 3)) {
        const started = Date.now();
        const d = await limiter.check(consumerRules(c, 1_000));
        expect(d).toMatchObject({ degraded: true, allowed: false });
        // No retry series: one command timeout (100 ms) at most, plus scheduling slack on a busy machine.
        expect(Date.now() - started).toBeLessThan(400);
      }
      // The other shards keep answering, until the cluster itself declares the missing slots down.
      const live = await limiter.check(consumerRules(onLive[0]!, 1_000));
      expect(live.degraded).toBe(false);
    } finally {
      await cluster.start(2);
    }
    const deadline = Date.now() + 15_000;
    let d = await limiter.check(consumerRules(onDead[0]!, 1_000));
    while (d.degraded && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      d = await limiter.check(consumerRules(onDead[0]!, 1_000));
    }
    expect(d).toMatchObject({ degraded: false, allowed: true });
  }, 60_000);
});
