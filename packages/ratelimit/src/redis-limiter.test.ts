import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisInstance, startRedis } from "../../../test/harness/index.ts";
import { ruleKeyBase, windowKey, windowStart } from "./keys.ts";
import { createRedisLimiter } from "./redis-limiter.ts";
import { EXPIRY_MARGIN_MS } from "./request-script.ts";
import type { RequestLimiter, RequestRule } from "./types.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rule(limit: number, extra: Partial<RequestRule> = {}): RequestRule {
  const id = randomUUID();
  return { id, limit, windowMs: 60_000, scopeKey: `consumer:${id}`, failurePolicy: "fail-closed", ...extra };
}

async function redisNowMs(admin: Redis): Promise<number> {
  const [s, us] = await admin.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** Waits for a new window if fewer than `needMs` remain, so a test's checks all land in one window. */
async function freshWindow(admin: Redis, windowMs: number, needMs: number): Promise<void> {
  const now = await redisNowMs(admin);
  const left = windowStart(now, windowMs) + windowMs - now;
  if (left < needMs) await sleep(left + 5);
}

function keyOf(r: RequestRule, nowMs: number, prefix = "sy"): string {
  return windowKey(ruleKeyBase(prefix, r), windowStart(nowMs, r.windowMs));
}

describe("createRedisLimiter against a real Redis", () => {
  let inst: RedisInstance;
  let admin: Redis;
  const limiters: RequestLimiter[] = [];
  const limiter = (opts: Partial<Parameters<typeof createRedisLimiter>[0]> = {}) => {
    // Generous timeout: these tests are about counting, and the test machine is shared.
    const l = createRedisLimiter({ url: inst.url, commandTimeoutMs: 2_000, ...opts });
    limiters.push(l);
    return l;
  };

  beforeAll(async () => {
    inst = await startRedis();
    admin = new Redis(inst.url);
  });
  afterAll(async () => {
    await Promise.all(limiters.map((l) => l.close()));
    admin.disconnect();
    await inst.stop();
  });

  it("answers a check made right after creation without degrading", async () => {
    const d = await limiter().check([rule(5)]);
    expect(d).toMatchObject({ allowed: true, degraded: false, remaining: 4, limit: 5 });
  });

  it("admits exactly the limit among many concurrent checks from separate instances", async () => {
    await freshWindow(admin, 60_000, 5_000);
    const nodes = [limiter(), limiter(), limiter(), limiter()];
    const r = rule(50);
    const decisions = await Promise.all(Array.from({ length: 400 }, (_, i) => nodes[i % nodes.length]!.check([r])));
    const admitted = decisions.filter((d) => d.allowed);
    expect(admitted).toHaveLength(50);
    expect(decisions.every((d) => !d.degraded)).toBe(true);
    expect(new Set(admitted.map((d) => d.remaining)).size).toBe(50);
    for (const d of decisions.filter((x) => !x.allowed)) {
      expect(d).toMatchObject({ remaining: 0, blockedBy: r.id, limit: 50 });
      expect(d.retryAfterMs).toBeGreaterThan(0);
    }
    expect(await admin.get(keyOf(r, await redisNowMs(admin)))).toBe("50");
  });

  it("rejected checks consume nothing", async () => {
    await freshWindow(admin, 60_000, 5_000);
    const l = limiter();
    const r = rule(3);
    for (let i = 0; i < 3; i++) expect((await l.check([r])).allowed).toBe(true);
    const rejected = await Promise.all(Array.from({ length: 20 }, () => l.check([r])));
    expect(rejected.every((d) => !d.allowed)).toBe(true);
    expect(await admin.get(keyOf(r, await redisNowMs(admin)))).toBe("3");
  });

  it("with one rule exhausted admits none and increments neither", async () => {
    await freshWindow(admin, 60_000, 5_000);
    const l = limiter();
    const wide = rule(100);
    const narrow = rule(1);
    expect(await l.check([wide, narrow])).toMatchObject({ allowed: true, limit: 1, remaining: 0 });
    const decisions = await Promise.all(Array.from({ length: 30 }, () => l.check([wide, narrow])));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(0);
    expect(decisions.every((d) => d.blockedBy === narrow.id)).toBe(true);
    const now = await redisNowMs(admin);
    expect(await admin.get(keyOf(wide, now))).toBe("1");
    expect(await admin.get(keyOf(narrow, now))).toBe("1");
  });

  it("reports remaining and reset from the server clock, and the rule with the least remaining", async () => {
    await freshWindow(admin, 60_000, 5_000);
    const l = limiter();
    const big = rule(10);
    const small = rule(3);
    const before = await redisNowMs(admin);
    const d = await l.check([big, small]);
    const after = await redisNowMs(admin);
    expect(d).toMatchObject({ allowed: true, limit: 3, remaining: 2, retryAfterMs: 0, blockedBy: null });
    const end = windowStart(before, 60_000) + 60_000;
    expect(d.resetMs).toBeLessThanOrEqual(end - before);
    expect(d.resetMs).toBeGreaterThanOrEqual(end - after);
  });

  it("sets each key's TTL to its window end plus the margin, under the configured prefix", async () => {
    const l = limiter({ keyPrefix: "ttltest" });
    const r = rule(5);
    const d = await l.check([r]);
    const key = keyOf(r, await redisNowMs(admin), "ttltest");
    expect(key).toBe(`ttltest:rl:{${r.scopeKey}}:60000:${windowStart(await redisNowMs(admin), 60_000)}`);
    expect(await admin.get(key)).toBe("1");
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(d.resetMs + EXPIRY_MARGIN_MS);
    expect(ttl).toBeGreaterThan(d.resetMs + EXPIRY_MARGIN_MS - 1000);
  });

  it("rolls over to a new window", async () => {
    await freshWindow(admin, 1000, 600);
    const l = limiter();
    const r = rule(2, { windowMs: 1000 });
    expect((await l.check([r])).allowed).toBe(true);
    expect((await l.check([r])).allowed).toBe(true);
    const rejected = await l.check([r]);
    expect(rejected.allowed).toBe(false);
    expect(rejected.retryAfterMs).toBeGreaterThan(0);
    expect(rejected.retryAfterMs).toBeLessThanOrEqual(1000);
    const started = Date.now();
    let next = await l.check([r]);
    while (!next.allowed && Date.now() - started < 3000) {
      await sleep(20);
      next = await l.check([r]);
    }
    expect(next).toMatchObject({ allowed: true, remaining: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(rejected.retryAfterMs - 50);
  });

  it("sends the checks of one event-loop turn to Redis in one write", async () => {
    const l = limiter();
    const r = rule(1000);
    await l.check([r]);
    const reads = async () => Number(/total_reads_processed:(\d+)/.exec(await admin.info("stats"))?.[1]);
    const before = await reads();
    const decisions = await Promise.all(Array.from({ length: 50 }, () => l.check([r])));
    const after = await reads();
    expect(decisions.every((d) => d.allowed && !d.degraded)).toBe(true);
    expect(decisions.map((d) => d.remaining).sort((a, b) => a - b)[0]).toBe(1000 - 51);
    // One read for the batch (Redis may split a large one) and one for the INFO call itself.
    expect(after - before).toBeLessThanOrEqual(4);
  });

  it("does no I/O and allows with zero rules, even when Redis is unreachable", async () => {
    const l = createRedisLimiter({ url: "redis://127.0.0.1:1" });
    limiters.push(l);
    expect(await l.check([])).toMatchObject({ allowed: true, degraded: false, blockedBy: null });
  });
});

describe("createRedisLimiter when Redis is away or slow", () => {
  let inst: RedisInstance;
  const warnings: string[] = [];
  const infos: string[] = [];
  const logger = {
    warn: (_o: object, msg: string) => warnings.push(msg),
    info: (_o: object, msg: string) => infos.push(msg),
  };

  beforeAll(async () => {
    inst = await startRedis(["--enable-debug-command", "yes"]);
  });
  afterAll(async () => {
    await inst.stop();
  });

  it("applies failure policies quickly while Redis is slow", async () => {
    const l = createRedisLimiter({ url: inst.url, commandTimeoutMs: 100 });
    try {
      expect((await l.check([rule(5)])).degraded).toBe(false);
      const blocker = new Redis(inst.url);
      const sleeping = blocker.call("DEBUG", "SLEEP", "0.6");
      await sleep(50);
      const started = Date.now();
      const d = await l.check([rule(5)]);
      expect(Date.now() - started).toBeLessThan(400);
      expect(d).toMatchObject({ allowed: false, degraded: true, retryAfterMs: 1000 });
      await sleeping;
      blocker.disconnect();
    } finally {
      await l.close();
    }
  });

  it("after Redis is killed: deny rejects, allow admits, both degraded and fast; recovers after restart", async () => {
    const l = createRedisLimiter({ url: inst.url, logger });
    try {
      const deny = rule(5, { failurePolicy: "fail-closed" });
      const allow = rule(5, { failurePolicy: "fail-open" });
      expect((await l.check([deny])).degraded).toBe(false);
      await inst.kill();

      for (let i = 0; i < 20; i++) {
        const started = Date.now();
        const denied = await l.check([allow, deny]);
        const allowed = await l.check([allow]);
        expect(Date.now() - started).toBeLessThan(1000);
        expect(denied).toMatchObject({ allowed: false, degraded: true, blockedBy: deny.id, retryAfterMs: 1000 });
        expect(allowed).toMatchObject({ allowed: true, degraded: true, blockedBy: null, limit: 5 });
      }
      expect(warnings).toHaveLength(1);

      await inst.start();
      const deadline = Date.now() + 10_000;
      let d = await l.check([deny]);
      while (d.degraded && Date.now() < deadline) {
        await sleep(50);
        d = await l.check([deny]);
      }
      expect(d).toMatchObject({ allowed: true, degraded: false, remaining: 4 });
      expect(infos).toHaveLength(1);
      expect(warnings).toHaveLength(1);
    } finally {
      await l.close();
    }
  }, 30_000);
});
