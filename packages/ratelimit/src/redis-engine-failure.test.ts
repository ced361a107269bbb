import { once } from "node:events";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisInstance, startRedis } from "../../../test/harness/index.ts";
import type { LimitDecisionEvent } from "./engine-types.ts";
import { createLimiter } from "./redis-engine.ts";
import { engineClient } from "./test-redis.ts";
import { amounts, testRule } from "./test-rules.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function timed<T>(p: Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const v = await p;
  return [v, performance.now() - started];
}

function recorder() {
  const warnings: string[] = [];
  const infos: string[] = [];
  const events: LimitDecisionEvent[] = [];
  return {
    warnings,
    infos,
    events,
    logger: { warn: (_o: object, m: string) => warnings.push(m), info: (_o: object, m: string) => infos.push(m) },
    onDecision: (e: LimitDecisionEvent) => events.push(e),
  };
}

describe("createLimiter when Redis is slow or gone", () => {
  let inst: RedisInstance;
  const clients: Redis[] = [];
  const client = async () => {
    const c = await engineClient(inst.url);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    inst = await startRedis(["--enable-debug-command", "yes"]);
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await inst.stop();
  });

  it("decides by policy within the command timeout while Redis is slow", async () => {
    const rec = recorder();
    const limiter = createLimiter({ client: await client(), commandTimeoutMs: 50, ...rec });
    const open = limiter.plan([testRule("requests", 5, { failurePolicy: "fail-open" })]);
    const closed = limiter.plan([testRule("requests", 100, { failurePolicy: "fail-closed" })]);
    // On a loaded test machine even a healthy Redis can miss 50 ms once; wait for a normal answer first.
    let first = await limiter.acquire(closed, amounts());
    for (let i = 0; i < 50 && first.degraded; i++) {
      await sleep(100);
      first = await limiter.acquire(closed, amounts());
    }
    expect(first.degraded).toBe(false);
    rec.warnings.length = 0;
    const blocker = new Redis(inst.url);
    await blocker.ping(); // connected first, so the sleep starts as soon as it is sent
    const sleeping = blocker.call("DEBUG", "SLEEP", "1");
    await sleep(100);
    const [a, ms] = await timed(limiter.acquire(closed, amounts()));
    expect(ms).toBeLessThan(300);
    expect(a).toMatchObject({ allowed: false, reason: "unavailable", degraded: true, retryAfterMs: 1000 });
    const [b, ms2] = await timed(limiter.acquire(open, amounts()));
    expect(ms2).toBeLessThan(300);
    expect(b).toMatchObject({ allowed: true, degraded: true, requests: null });
    await sleeping;
    blocker.disconnect();
    expect(rec.warnings).toEqual(["limit engine cannot reach Redis; failure policies decide until it is back"]);
  });

  it("with Redis killed: fail-open passes, fail-closed answers unavailable, local enforces the node's share", async () => {
    const rec = recorder();
    // A killed Redis fails calls at once; the timeout is not what this tests, so it is generous.
    const limiter = createLimiter({ client: await client(), commandTimeoutMs: 1_000, ...rec });
    const openRule = testRule("requests", 5, { failurePolicy: "fail-open" });
    const closedRule = testRule("requests", 5, { failurePolicy: "fail-closed" });
    const localRule = testRule("requests", 12, { failurePolicy: "local", localLimit: 3 });
    const cutClosed = testRule("output_tokens", 1_000, { failurePolicy: "fail-closed", cutoff: true });
    const cutOpen = testRule("output_tokens", 1_000, { failurePolicy: "fail-open", cutoff: true });
    const open = limiter.plan([openRule]);
    const closed = limiter.plan([openRule, closedRule]);
    const local = limiter.plan([openRule, localRule]);
    const streams = limiter.plan([cutClosed, cutOpen]);
    const streamClosed = limiter.plan([cutClosed]);
    const streamOpen = limiter.plan([cutOpen]);
    expect((await limiter.acquire(closed, amounts())).degraded).toBe(false);
    const leaseClosed = (await limiter.acquire(streamClosed, amounts({ outputTokens: 10 }))).lease!;
    const leaseOpen = (await limiter.acquire(streamOpen, amounts({ outputTokens: 10 }))).lease!;
    const leaseBoth = (await limiter.acquire(streams, amounts({ outputTokens: 10 }))).lease!;
    await inst.kill();
    try {
      await whileDown();
    } finally {
      await inst.start();
    }

    async function whileDown() {
      for (let i = 0; i < 20; i++) {
        const [o, t1] = await timed(limiter.acquire(open, amounts()));
        const [c, t2] = await timed(limiter.acquire(closed, amounts()));
        const [l, t3] = await timed(limiter.acquire(local, amounts()));
        for (const t of [t1, t2, t3]) expect(t).toBeLessThan(250);
        expect(o).toMatchObject({ allowed: true, degraded: true, blockedBy: null });
        expect(c).toMatchObject({ allowed: false, degraded: true, blockedBy: closedRule.id, reason: "unavailable" });
        if (i < 3) {
          expect(l).toMatchObject({ allowed: true, degraded: true, requests: { limit: 3, remaining: 2 - i } });
          limiter.settle(l.lease!, amounts()); // a local lease settles in memory
        } else {
          expect(l).toMatchObject({ allowed: false, degraded: true, blockedBy: localRule.id, reason: "rate_limit" });
        }
      }
      // Within the reservation a stream goes on; beyond it, only a fail-closed cutoff rule ends it.
      expect(await limiter.checkpoint(leaseClosed, amounts({ outputTokens: 5 }))).toBe(false);
      expect(await limiter.checkpoint(leaseClosed, amounts({ outputTokens: 50 }))).toBe(true);
      expect(await limiter.checkpoint(leaseOpen, amounts({ outputTokens: 50 }))).toBe(false);
      expect(await limiter.checkpoint(leaseBoth, amounts({ outputTokens: 50 }))).toBe(true);
      limiter.settle(leaseClosed, amounts({ outputTokens: 55 }));

      expect(rec.warnings).toHaveLength(1);
      const count = (policy: string, outcome: string) =>
        rec.events.filter((e) => e.policy === policy && e.outcome === outcome).length;
      expect(count("fail-open", "allowed")).toBeGreaterThanOrEqual(60);
      expect(count("fail-closed", "rejected")).toBeGreaterThanOrEqual(20);
      expect(count("local", "allowed")).toBe(3);
      expect(count("local", "rejected")).toBe(17);
    }
  });

  it("opens the breaker (no Redis calls while open) and closes it when Redis is back", async () => {
    const rec = recorder();
    const c = await client();
    const limiter = createLimiter({
      client: c,
      commandTimeoutMs: 1_000,
      breaker: { failureThreshold: 3, baseBackoffMs: 4_000, maxBackoffMs: 4_000 },
      ...rec,
    });
    const r = testRule("requests", 100, { failurePolicy: "fail-closed" });
    const plan = limiter.plan([r]);
    expect((await limiter.acquire(plan, amounts())).degraded).toBe(false);
    await inst.kill();
    const failures = await Promise.all([0, 1, 2].map(() => limiter.acquire(plan, amounts())));
    const openedAt = performance.now();
    await inst.start();
    expect(failures.map((f) => f.reason)).toEqual(["unavailable", "unavailable", "unavailable"]);
    if (c.status !== "ready") await once(c, "ready");
    const fresh = new Redis(inst.url);
    // Redis is back and the client connected, but the breaker is open: still degraded, and nothing was sent.
    for (let i = 0; i < 5; i++) expect(await limiter.acquire(plan, amounts())).toMatchObject({ reason: "unavailable" });
    expect(performance.now() - openedAt).toBeLessThan(4_000);
    expect(await fresh.info("commandstats")).not.toMatch(/cmdstat_eval/);
    let a = await limiter.acquire(plan, amounts());
    while (a.degraded && performance.now() - openedAt < 12_000) {
      await sleep(50);
      a = await limiter.acquire(plan, amounts());
    }
    expect(a).toMatchObject({ allowed: true, degraded: false, requests: { remaining: 99 } });
    expect(performance.now() - openedAt).toBeGreaterThanOrEqual(3_900);
    expect(rec.warnings).toHaveLength(1);
    expect(rec.infos).toEqual(["limit engine reached Redis again"]);
    fresh.disconnect();
  }, 30_000);
});
