import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisInstance, startRedis } from "../../../test/harness/index.ts";
import { COUNTER_EXPIRY_MARGIN_MS } from "./engine-scripts.ts";
import type { LimitDecisionEvent, LimitRule } from "./engine-types.ts";
import { counterBase, counterKey } from "./limit-keys.ts";
import { createLimiter, type LimiterOptions } from "./redis-engine.ts";
import { engineClient, freshMinute, redisNowMs } from "./test-redis.ts";
import { amounts, testRule } from "./test-rules.ts";
import { WINDOW_CODE, windowBounds } from "./windows.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("createLimiter against a real Redis", () => {
  let inst: RedisInstance;
  let admin: Redis;
  const clients: Redis[] = [];
  const engine = async (opts: Partial<LimiterOptions> = {}) => {
    const client = await engineClient(inst.url);
    clients.push(client);
    // Generous timeout: the test machine is shared; the failure tests use the short default.
    return { limiter: createLimiter({ client, commandTimeoutMs: 2_000, ...opts }), client };
  };
  const counter = async (rule: LimitRule, prefix = "sy") => {
    const [start] = windowBounds(await redisNowMs(admin), WINDOW_CODE[rule.window!]);
    return admin.get(counterKey(counterBase(prefix, rule), start));
  };

  beforeAll(async () => {
    inst = await startRedis();
    admin = await engineClient(inst.url);
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    admin.disconnect();
    await inst.stop();
  });

  it("admits exactly the limit among 200 concurrent acquires from 4 instances on separate connections", async () => {
    await freshMinute(admin);
    const nodes = await Promise.all([engine(), engine(), engine(), engine()]);
    const r = testRule("requests", 100);
    const plans = nodes.map((n) => n.limiter.plan([r]));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => nodes[i % 4]!.limiter.acquire(plans[i % 4]!, amounts())),
    );
    const admitted = results.filter((a) => a.allowed);
    expect(admitted).toHaveLength(100);
    expect(results.every((a) => !a.degraded)).toBe(true);
    expect(new Set(admitted.map((a) => a.requests!.remaining)).size).toBe(100);
    for (const a of results.filter((x) => !x.allowed)) {
      expect(a).toMatchObject({ blockedBy: r.id, reason: "rate_limit", lease: null });
      expect(a.requests).toMatchObject({ limit: 100, remaining: 0 });
      expect(a.retryAfterMs).toBeGreaterThan(0);
      expect(a.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
    expect(await counter(r)).toBe("100");
  });

  it("sends the acquisitions of one turn as one script call, each decided as if sent alone", async () => {
    await freshMinute(admin);
    const { limiter } = await engine();
    const r = testRule("requests", 5);
    const tokens = testRule("total_tokens", 1_000);
    const a = limiter.plan([r]);
    const b = limiter.plan([r, tokens]);
    await limiter.acquire(limiter.plan([testRule("requests", 1)]), amounts()); // loads the script
    await admin.config("RESETSTAT");
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        i % 2 === 0 ? limiter.acquire(a, amounts()) : limiter.acquire(b, amounts({ inputTokens: 100 })),
      ),
    );
    const stats = String(await admin.info("commandstats"));
    expect(Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1])).toBe(1);
    // In order: the first five take the request limit's five, whichever plan they came with.
    expect(results.map((x) => x.allowed)).toEqual([...Array(5).fill(true), ...Array(7).fill(false)]);
    expect(results.slice(0, 5).map((x) => x.requests!.remaining)).toEqual([4, 3, 2, 1, 0]);
    expect(await counter(r)).toBe("5");
    expect(await counter(tokens)).toBe("200"); // the two admitted calls of plan b
  });

  it("sends at most 128 acquisitions per script call", async () => {
    await freshMinute(admin);
    const { limiter } = await engine();
    const r = testRule("requests", 250);
    const plan = limiter.plan([r]);
    await limiter.acquire(limiter.plan([testRule("requests", 1)]), amounts()); // loads the script
    await admin.config("RESETSTAT");
    const results = await Promise.all(Array.from({ length: 300 }, () => limiter.acquire(plan, amounts())));
    const stats = String(await admin.info("commandstats"));
    expect(Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1])).toBe(3);
    expect(results.filter((a) => a.allowed)).toHaveLength(250);
    expect(await counter(r)).toBe("250");
  });

  it("rejected acquires consume nothing on any rule", async () => {
    await freshMinute(admin);
    const { limiter } = await engine();
    const wide = testRule("requests", 100);
    const tokens = testRule("input_tokens", 1_000, { scopeKey: wide.scopeKey });
    const narrow = testRule("requests", 2);
    const plan = limiter.plan([wide, tokens, narrow]);
    for (let i = 0; i < 2; i++) expect((await limiter.acquire(plan, amounts({ inputTokens: 100 }))).allowed).toBe(true);
    const rejected = await Promise.all(
      Array.from({ length: 30 }, () => limiter.acquire(plan, amounts({ inputTokens: 100 }))),
    );
    expect(rejected.every((a) => !a.allowed && a.blockedBy === narrow.id)).toBe(true);
    expect(rejected[0]!.tokens).toEqual({ limit: 1000, remaining: 800, resetMs: expect.any(Number) });
    expect([await counter(wide), await counter(tokens), await counter(narrow)]).toEqual(["2", "200", "2"]);
  });

  it("reserves token estimates, refunds and tops up at settle, and keys expire after their window", async () => {
    await freshMinute(admin);
    const { limiter, client } = await engine({ keyPrefix: "tok" });
    const r = testRule("total_tokens", 1_000);
    const plan = limiter.plan([r]);
    const a = await limiter.acquire(plan, amounts({ inputTokens: 100, outputTokens: 500 }));
    expect(a.tokens).toMatchObject({ limit: 1000, remaining: 400 });
    expect(await counter(r, "tok")).toBe("600");
    const [start, end] = windowBounds(await redisNowMs(admin), WINDOW_CODE.minute);
    const ttl = await admin.pttl(counterKey(counterBase("tok", r), start));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(end - start + COUNTER_EXPIRY_MARGIN_MS);

    limiter.settle(a.lease!, amounts({ inputTokens: 100, outputTokens: 50 }));
    await client.ping(); // the same connection: the settle has been applied
    expect(await counter(r, "tok")).toBe("150");
    const b = await limiter.acquire(plan, amounts({ inputTokens: 100, outputTokens: 100 }));
    limiter.settle(b.lease!, amounts({ inputTokens: 100, outputTokens: 900 }));
    await client.ping();
    expect(await counter(r, "tok")).toBe("1150");
    expect(await limiter.acquire(plan, amounts())).toMatchObject({ allowed: false, blockedBy: r.id });
  });

  it("holds concurrency slots as leases: released by settle, expired when never settled", async () => {
    const { limiter, client } = await engine({ leaseTtlMs: 1_000 });
    const r = testRule("concurrency", 2);
    const plan = limiter.plan([r]);
    const a = await limiter.acquire(plan, amounts());
    const b = await limiter.acquire(plan, amounts());
    expect(a.allowed && b.allowed).toBe(true);
    expect(await limiter.acquire(plan, amounts())).toMatchObject({
      allowed: false,
      blockedBy: r.id,
      retryAfterMs: 1000,
    });
    expect(await admin.zcard(counterBase("sy", r))).toBe(2);
    limiter.settle(a.lease!, amounts());
    await client.ping();
    expect(await admin.zcard(counterBase("sy", r))).toBe(1);
    expect((await limiter.acquire(plan, amounts())).allowed).toBe(true);
    expect((await limiter.acquire(plan, amounts())).allowed).toBe(false);
    await limiter.close(); // b and the third are never settled nor renewed again, as if their node had died
    await sleep(1_050);
    const next = (await engine({ leaseTtlMs: 1_000 })).limiter;
    const nextPlan = next.plan([r]);
    expect((await next.acquire(nextPlan, amounts())).allowed).toBe(true);
    expect((await next.acquire(nextPlan, amounts())).allowed).toBe(true);
    expect((await next.acquire(nextPlan, amounts())).allowed).toBe(false);
    await next.close();
    await sleep(1_050);
    expect(await admin.exists(counterBase("sy", r))).toBe(1); // kept alive by the margin
    await sleep(COUNTER_EXPIRY_MARGIN_MS + 200);
    expect(await admin.exists(counterBase("sy", r))).toBe(0);
  });

  it("renews the lease of a running call: it keeps its slot for many TTLs, on every node, until settled", async () => {
    const { limiter, client } = await engine({ leaseTtlMs: 1_000 });
    const { limiter: other } = await engine({ leaseTtlMs: 1_000 });
    const r = testRule("concurrency", 1);
    const key = counterBase("sy", r);
    const plan = limiter.plan([r]);
    const otherPlan = other.plan([r]);
    const a = await limiter.acquire(plan, amounts());
    expect(a.allowed).toBe(true);
    const [id] = await admin.zrange(key, 0, "-1");
    for (let i = 0; i < 4; i++) {
      await sleep(1_000); // a whole TTL each time: without renewals the slot would be free
      expect(await other.acquire(otherPlan, amounts())).toMatchObject({ allowed: false, blockedBy: r.id });
      expect(await limiter.acquire(plan, amounts())).toMatchObject({ allowed: false, blockedBy: r.id });
    }
    // Renewed to now + TTL by Redis's clock, and the set lives as long as its lease (plus the margin).
    const now = await redisNowMs(admin);
    expect(Number(await admin.zscore(key, id!))).toBeGreaterThan(now);
    expect(Number(await admin.zscore(key, id!))).toBeLessThanOrEqual(now + 1_000);
    expect(await admin.pttl(key)).toBeGreaterThan(COUNTER_EXPIRY_MARGIN_MS);
    limiter.settle(a.lease!, amounts());
    await client.ping();
    expect(await admin.zcard(key)).toBe(0);
    await admin.config("RESETSTAT");
    await sleep(500); // a renewal period: nothing is held any more, so nothing is sent (nor added back)
    expect(String(await admin.info("commandstats"))).not.toContain("cmdstat_evalsha");
    expect(await admin.exists(key)).toBe(0);
    const b = await other.acquire(otherPlan, amounts());
    expect(b.allowed).toBe(true);
    other.settle(b.lease!, amounts());
    await Promise.all([limiter.close(), other.close()]);
  });

  it("never adds back a lease that was removed, and a lease nobody renews still expires after its TTL", async () => {
    const { limiter } = await engine({ leaseTtlMs: 1_000 });
    const { limiter: other } = await engine({ leaseTtlMs: 1_000 });
    const r = testRule("concurrency", 2);
    const key = counterBase("sy", r);
    const plan = limiter.plan([r]);
    const otherPlan = other.plan([r]);
    expect((await limiter.acquire(plan, amounts())).allowed).toBe(true);
    expect((await limiter.acquire(plan, amounts())).allowed).toBe(true);
    // One removed behind the engine's back (as the purge of an expired lease does): renewals do not restore
    // it, while the other one is renewed.
    const [gone, kept] = await admin.zrange(key, 0, "-1");
    const keptScore = Number(await admin.zscore(key, kept!));
    await admin.zrem(key, gone!);
    await sleep(800); // two renewal sweeps
    expect(await admin.zrange(key, 0, "-1")).toEqual([kept]);
    expect(Number(await admin.zscore(key, kept!))).toBeGreaterThan(keptScore);
    // Leases whose limiter stops (their node dies) without settling are no longer renewed and expire.
    expect((await limiter.acquire(plan, amounts())).allowed).toBe(true);
    await limiter.close();
    expect(await other.acquire(otherPlan, amounts())).toMatchObject({ allowed: false, blockedBy: r.id });
    await sleep(1_300);
    const b = await other.acquire(otherPlan, amounts());
    const c = await other.acquire(otherPlan, amounts());
    expect(b.allowed && c.allowed).toBe(true);
    other.settle(b.lease!, amounts());
    other.settle(c.lease!, amounts());
    await other.close();
  });

  it("renews more leases than one call carries in several calls, every one of them", async () => {
    const { limiter } = await engine({ leaseTtlMs: 1_500 });
    const r = testRule("concurrency", 5_000);
    const key = counterBase("sy", r);
    const plan = limiter.plan([r]);
    const held = await Promise.all(Array.from({ length: 2_300 }, () => limiter.acquire(plan, amounts())));
    expect(held.every((a) => a.allowed)).toBe(true);
    const before = await redisNowMs(admin);
    await admin.config("RESETSTAT");
    await sleep(600); // one sweep (every 500 ms)
    // 2,300 leases at most 1,000 per call: three script calls per sweep (EVALSHA, or EVAL the first time).
    const stats = String(await admin.info("commandstats"));
    const calls = (cmd: string) => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    expect(calls("evalsha") + calls("eval")).toBeGreaterThanOrEqual(3);
    const scores = (await admin.zrange(key, 0, "-1", "WITHSCORES")).filter((_, i) => i % 2 === 1).map(Number);
    expect(scores).toHaveLength(2_300);
    expect(Math.min(...scores)).toBeGreaterThan(before + 1_500); // every one renewed after the first acquire
    for (const a of held) limiter.settle(a.lease!, amounts());
    await limiter.close();
  });

  it("checkpoint charges usage beyond the reservation and reports a cutoff rule exhausted", async () => {
    await freshMinute(admin);
    const { limiter, client } = await engine();
    const r = testRule("output_tokens", 1_000, { cutoff: true });
    const plan = limiter.plan([r]);
    const other = await limiter.acquire(plan, amounts({ outputTokens: 600 }));
    const a = await limiter.acquire(plan, amounts({ outputTokens: 100 }));
    const lease = a.lease!;
    expect(await limiter.checkpoint(lease, amounts({ outputTokens: 100 }))).toBe(false);
    expect(await counter(r)).toBe("700"); // within the reservation: nothing sent
    expect(await limiter.checkpoint(lease, amounts({ outputTokens: 200 }))).toBe(false);
    expect(await counter(r)).toBe("900");
    expect(await limiter.checkpoint(lease, amounts({ outputTokens: 100 }))).toBe(true);
    expect(await counter(r)).toBe("1000");
    limiter.settle(lease, amounts({ outputTokens: 430 }));
    limiter.settle(other.lease!, amounts({ outputTokens: 600 }));
    await client.ping();
    expect(await counter(r)).toBe("1030");

    // Overlapping checkpoints of one stream charge each token once.
    const wide = testRule("output_tokens", 10_000, { cutoff: true });
    const w = (await limiter.acquire(limiter.plan([wide]), amounts({ outputTokens: 10 }))).lease!;
    await Promise.all([0, 1, 2].map(() => limiter.checkpoint(w, amounts({ outputTokens: 30 }))));
    expect(await counter(wide)).toBe("90");
    limiter.settle(w, amounts({ outputTokens: 95 }));
    await client.ping();
    expect(await counter(wide)).toBe("95");
  });

  it("20 concurrent cut-off streams overshoot a token limit by at most streams x (K + one chunk)", async () => {
    await freshMinute(admin, 20_000);
    const { limiter, client } = await engine();
    const L = 5_000;
    const K = 50;
    const CHUNK = 7;
    const r = testRule("output_tokens", L, { cutoff: true, quota: true });
    const plan = limiter.plan([r]);
    let cut = 0;
    const stream = async () => {
      const a = await limiter.acquire(plan, amounts({ outputTokens: 10 })); // a small estimate: no max_tokens
      expect(a.allowed).toBe(true);
      let produced = 0;
      let unmetered = 0;
      while (produced < 2_000) {
        await new Promise((res) => setImmediate(res)); // the next chunk arrives; other streams interleave
        produced += CHUNK;
        unmetered += CHUNK;
        if (unmetered >= K) {
          const exhausted = await limiter.checkpoint(a.lease!, amounts({ outputTokens: unmetered }));
          unmetered = 0;
          if (exhausted) {
            cut++;
            break;
          }
        }
      }
      limiter.settle(a.lease!, amounts({ outputTokens: produced })); // charged for what was produced
    };
    await Promise.all(Array.from({ length: 20 }, stream));
    await client.ping();
    const total = Number(await counter(r));
    expect(cut).toBeGreaterThan(0);
    expect(total).toBeGreaterThanOrEqual(L);
    expect(total).toBeLessThanOrEqual(L + 20 * (K + CHUNK));
  });

  it("shadow rules are counted and reported, never reject, and are not in the headers", async () => {
    await freshMinute(admin);
    const events: LimitDecisionEvent[] = [];
    const { limiter } = await engine({ onDecision: (e) => events.push(e) });
    const enforced = testRule("requests", 10);
    const shadow = testRule("requests", 2, { shadow: true, scopeKey: enforced.scopeKey, window: "hour" });
    const plan = limiter.plan([enforced, shadow]);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.acquire(plan, amounts()));
    expect(results.every((a) => a.allowed && !a.degraded)).toBe(true);
    expect(results.map((a) => a.shadowBlocked)).toEqual([[], [], [shadow.id], [shadow.id]]);
    expect(results[3]!.requests).toMatchObject({ limit: 10, remaining: 6 });
    expect(events).toEqual([
      { ruleId: shadow.id, policy: "shadow", outcome: "would_reject" },
      { ruleId: shadow.id, policy: "shadow", outcome: "would_reject" },
    ]);
  });

  it("counts a month budget in the calendar month of Redis's clock", async () => {
    const { limiter } = await engine();
    const r = testRule("cost_usd", 5_000_000, { window: "month", quota: true });
    const a = await limiter.acquire(limiter.plan([r]), amounts({ costMicroUsd: 1234.2 }));
    const now = await redisNowMs(admin);
    const [start, end] = windowBounds(now, WINDOW_CODE.month);
    const key = counterKey(counterBase("sy", r), start);
    expect(await admin.get(key)).toBe("1235");
    expect(a.allowed).toBe(true);
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(end - now - 5_000);
    expect(ttl).toBeLessThanOrEqual(end - now + COUNTER_EXPIRY_MARGIN_MS + 1000);
    const over = await limiter.acquire(limiter.plan([r]), amounts({ costMicroUsd: 5_000_000 }));
    expect(over).toMatchObject({ allowed: false, reason: "quota", blockedBy: r.id });
    expect(over.retryAfterMs).toBeGreaterThan(end - now - 5_000);
  });

  it("makes exactly one Redis round trip per acquire, and settle shares a write with the caller's XADD", async () => {
    const { limiter, client } = await engine();
    const r = testRule("requests", 1_000);
    const t = testRule("total_tokens", 1_000_000, { scopeKey: r.scopeKey });
    const c = testRule("concurrency", 1_000, { scopeKey: r.scopeKey });
    const g = testRule("requests", 1_000, { scopeKey: "global" });
    const plan = limiter.plan([r, t, c, g]);
    limiter.settle((await limiter.acquire(plan, amounts({ inputTokens: 5 }))).lease!, amounts()); // scripts loaded
    await client.ping();
    const monitor = await admin.monitor();
    const seen: string[] = [];
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      if (!source.includes("lua")) seen.push(args[0]!.toLowerCase());
    });
    await sleep(50);
    const reads = async () => Number(/total_reads_processed:(\d+)/.exec(await admin.info("stats"))?.[1]);
    seen.length = 0;
    for (let i = 0; i < 10; i++) {
      const a = await limiter.acquire(plan, amounts({ inputTokens: 10, outputTokens: 20 }));
      expect(a.allowed).toBe(true);
      const before = await reads();
      limiter.settle(a.lease!, amounts({ inputTokens: 10, outputTokens: 5 }));
      void client.xadd("usage-test", "*", "n", String(i));
      await client.ping(); // also in the same write
      // One read for settle + XADD + PING, one for INFO itself (and none while the write was corked).
      expect((await reads()) - before).toBeLessThanOrEqual(2);
    }
    await sleep(100);
    monitor.disconnect();
    const counts = seen.reduce<Record<string, number>>((acc, cmd) => {
      acc[cmd] = (acc[cmd] ?? 0) + 1;
      return acc;
    }, {});
    // 10 acquires and 10 settles, each one script call; the rest is this test's own commands.
    expect(counts.evalsha).toBe(20);
    expect(counts.eval ?? 0).toBe(0);
    expect(counts.xadd).toBe(10);
  });

  it("does no I/O and allows with an empty plan", async () => {
    const { limiter } = await engine();
    expect(await limiter.acquire(limiter.plan([]), amounts())).toMatchObject({ allowed: true, lease: null });
  });
});
