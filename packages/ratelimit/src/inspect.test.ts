import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisInstance, startRedis } from "../../../test/harness/index.ts";
import { readLimitCounters } from "./inspect.ts";
import { counterBase } from "./limit-keys.ts";
import { createLimiter } from "./redis-engine.ts";
import { engineClient, freshMinute } from "./test-redis.ts";
import { amounts, testRule } from "./test-rules.ts";

describe("readLimitCounters", () => {
  let inst: RedisInstance;
  let client: Redis;
  beforeAll(async () => {
    inst = await startRedis();
    client = await engineClient(inst.url);
  });
  afterAll(async () => {
    client.disconnect();
    await inst.stop();
  });

  it("reads the current window's counters and live leases, and writes nothing", async () => {
    await freshMinute(client);
    const long = createLimiter({ client, commandTimeoutMs: 2_000 });
    const short = createLimiter({ client, commandTimeoutMs: 2_000, leaseTtlMs: 300 });
    const requests = testRule("requests", 10);
    const tokens = testRule("total_tokens", 1_000, { scopeKey: requests.scopeKey, window: "day" });
    const slots = testRule("concurrency", 5, { scopeKey: requests.scopeKey });
    const rules = [requests, tokens, slots];
    await long.acquire(long.plan(rules), amounts({ inputTokens: 10, outputTokens: 20 }));
    for (let i = 0; i < 3; i++) await short.acquire(short.plan(rules), amounts({ inputTokens: 10, outputTokens: 20 }));
    await short.close(); // no longer renewed, as if its node had died
    await new Promise((r) => setTimeout(r, 350)); // the three short leases expire, unsettled

    const before = await client.info("commandstats");
    const readings = await readLimitCounters(client, [requests, tokens, slots]);
    const after = await client.info("commandstats");
    const writes = (info: string) =>
      [...info.matchAll(/cmdstat_(set|incrby|zadd|zrem|zremrangebyscore|pexpire|del)[^:]*:calls=\d+/g)].map(
        (m) => m[0],
      );
    expect(writes(before).length).toBeGreaterThan(0);
    expect(writes(after)).toEqual(writes(before));
    expect(await client.zcard(counterBase("sy", slots))).toBe(4); // expired ones not purged by reading

    expect(readings[0]).toMatchObject({ ruleId: requests.id, used: 4, remaining: 6, limit: 10 });
    expect(readings[0]!.resetMs).toBeGreaterThan(0);
    expect(readings[0]!.resetMs).toBeLessThanOrEqual(60_000);
    expect(readings[1]).toMatchObject({ ruleId: tokens.id, used: 120, remaining: 880, window: "day" });
    expect(readings[1]!.windowStartMs! % 86_400_000).toBe(0);
    expect(readings[1]!.windowEndMs! - readings[1]!.windowStartMs!).toBe(86_400_000);
    expect(readings[2]).toMatchObject({
      ruleId: slots.id,
      used: 1,
      remaining: 4,
      windowStartMs: null,
      windowEndMs: null,
      resetMs: null,
    });
    await long.close();
  });

  it("reads zero for rules never used", async () => {
    const r = testRule("cost_usd", 100, { window: "month" });
    expect(await readLimitCounters(client, [r])).toMatchObject([{ used: 0, remaining: 100 }]);
    expect(await readLimitCounters(client, [])).toEqual([]);
  });
});
