import { describe, expect, it, vi } from "vitest";
import type { Lease } from "./engine-types.ts";
import { createMemoryEngine, createMemoryLimiter } from "./memory-engine.ts";
import { amounts, testRule } from "./test-rules.ts";

/** 2026-01-31T23:59:00Z: a minute boundary one minute before a month ends. */
const T = Date.UTC(2026, 0, 31, 23, 59, 0);

function clock(ms: number) {
  const c = { ms, now: () => c.ms };
  return c;
}

describe("createMemoryEngine", () => {
  it("allows at once with no rules, without a lease", async () => {
    const e = createMemoryEngine();
    expect(await e.acquire(e.plan([]), amounts())).toMatchObject({ allowed: true, lease: null, degraded: false });
  });

  it("admits exactly the limit per UTC window, rejected requests consume nothing, then a new window", async () => {
    const t = clock(T + 10_000);
    const e = createMemoryEngine({ now: t.now });
    const r = testRule("requests", 3);
    const plan = e.plan([r]);
    for (let i = 0; i < 3; i++) {
      const a = await e.acquire(plan, amounts());
      expect(a).toMatchObject({ allowed: true, requests: { limit: 3, remaining: 2 - i, resetMs: 50_000 } });
    }
    for (let i = 0; i < 5; i++) {
      const a = await e.acquire(plan, amounts());
      expect(a).toMatchObject({ allowed: false, blockedBy: r.id, reason: "rate_limit", retryAfterMs: 50_000 });
      expect(a.requests).toEqual({ limit: 3, remaining: 0, resetMs: 50_000 });
      expect(a.lease).toBeNull();
    }
    t.ms = T + 60_000;
    expect(await e.acquire(plan, amounts())).toMatchObject({ allowed: true, requests: { remaining: 2 } });
  });

  it("rejects all-or-nothing across rules, naming the rule with the longest wait and quota as the reason", async () => {
    const t = clock(T + 30_000);
    const e = createMemoryEngine({ now: t.now });
    const perMinute = testRule("requests", 1);
    const budget = testRule("cost_usd", 1_000, { window: "month", quota: true, scopeKey: perMinute.scopeKey });
    const plan = e.plan([perMinute, budget]);
    expect((await e.acquire(plan, amounts({ costMicroUsd: 600 }))).allowed).toBe(true);
    expect((await e.acquire(plan, amounts({ costMicroUsd: 600 }))).allowed).toBe(false);
    t.ms = T + 60_000 + 1; // 2026-02-01T00:00:00.001Z: a new minute and a new month
    expect((await e.acquire(plan, amounts({ costMicroUsd: 600 }))).allowed).toBe(true);
    t.ms += 60_000;
    const q = await e.acquire(plan, amounts({ costMicroUsd: 600 }));
    expect(q).toMatchObject({ allowed: false, blockedBy: budget.id, reason: "quota" });
    expect(q.retryAfterMs).toBe(Date.UTC(2026, 2, 1) - t.ms);
    // The rejected one consumed nothing: 400 micro-USD still fit.
    expect((await e.acquire(e.plan([budget]), amounts({ costMicroUsd: 400 }))).allowed).toBe(true);
  });

  it("reserves token estimates, refunds and tops up at settle, in the window that was reserved", async () => {
    const t = clock(T);
    const e = createMemoryEngine({ now: t.now });
    const r = testRule("total_tokens", 1_000);
    const plan = e.plan([r]);
    const a = await e.acquire(plan, amounts({ inputTokens: 100, outputTokens: 500 }));
    expect(a.tokens).toEqual({ limit: 1000, remaining: 400, resetMs: 60_000 });
    expect((await e.acquire(plan, amounts({ inputTokens: 100, outputTokens: 500 }))).allowed).toBe(false);
    e.settle(a.lease!, amounts({ inputTokens: 100, outputTokens: 50 })); // refund 450
    const b = await e.acquire(plan, amounts({ inputTokens: 100, outputTokens: 500 }));
    expect(b.tokens?.remaining).toBe(250);
    e.settle(b.lease!, amounts({ inputTokens: 100, outputTokens: 700 })); // top-up 200
    expect((await e.acquire(plan, amounts({ inputTokens: 1 }))).tokens?.remaining).toBe(49);
    // A settle after the window ended changes nothing in the new window.
    const c = (await e.acquire(plan, amounts({ inputTokens: 40 }))).lease!;
    t.ms += 60_000;
    e.settle(c, amounts({ inputTokens: 900 }));
    expect((await e.acquire(plan, amounts({ inputTokens: 1 }))).tokens?.remaining).toBe(999);
  });

  it("rejects a token demand larger than what remains, and a zero demand once the limit is reached", async () => {
    const e = createMemoryEngine({ now: () => T });
    const r = testRule("input_tokens", 100);
    const plan = e.plan([r]);
    expect((await e.acquire(plan, amounts({ inputTokens: 101 }))).allowed).toBe(false);
    expect((await e.acquire(plan, amounts({ inputTokens: 100 }))).allowed).toBe(true);
    expect((await e.acquire(plan, amounts())).allowed).toBe(false);
  });

  it("holds concurrency slots until settled or until the lease expires", async () => {
    const t = clock(T);
    const e = createMemoryEngine({ now: t.now, leaseTtlMs: 5_000 });
    const r = testRule("concurrency", 2);
    const plan = e.plan([r]);
    const a = await e.acquire(plan, amounts());
    const b = await e.acquire(plan, amounts());
    expect(a.allowed && b.allowed).toBe(true);
    const c = await e.acquire(plan, amounts());
    expect(c).toMatchObject({ allowed: false, blockedBy: r.id, retryAfterMs: 1000 });
    e.settle(a.lease!, amounts());
    e.settle(a.lease!, amounts()); // twice is harmless
    expect((await e.acquire(plan, amounts())).allowed).toBe(true);
    expect((await e.acquire(plan, amounts())).allowed).toBe(false);
    t.ms += 5_001; // b and the third one were never settled nor renewed in time: their leases expire
    expect((await e.acquire(plan, amounts())).allowed).toBe(true);
    expect((await e.acquire(plan, amounts())).allowed).toBe(true);
    expect((await e.acquire(plan, amounts())).allowed).toBe(false);
  });

  it("renews unsettled leases every TTL/3: a long call keeps its slot until settled; a stalled renewal lets it expire", async () => {
    vi.useFakeTimers({ now: T });
    try {
      const e = createMemoryEngine({ now: () => Date.now(), leaseTtlMs: 3_000 });
      const r = testRule("concurrency", 1);
      const plan = e.plan([r]);
      const a = await e.acquire(plan, amounts());
      expect(a.allowed).toBe(true);
      for (let i = 0; i < 6; i++) {
        vi.advanceTimersByTime(2_000); // 12 s in all, four TTLs: renewed every second
        expect(await e.acquire(plan, amounts())).toMatchObject({ allowed: false, blockedBy: r.id });
      }
      e.settle(a.lease!, amounts());
      const b = await e.acquire(plan, amounts());
      expect(b.allowed).toBe(true);
      vi.advanceTimersByTime(2_500);
      expect((await e.acquire(plan, amounts())).allowed).toBe(false);
      // The clock jumps past the TTL with no renewal run (the event loop stalled): the lease expires.
      vi.setSystemTime(Date.now() + 3_001);
      const c = await e.acquire(plan, amounts());
      expect(c.allowed).toBe(true);
      e.settle(c.lease!, amounts());
      e.settle(b.lease!, amounts()); // b expired: its late settle is harmless
      vi.advanceTimersByTime(1_000);
      expect((await e.acquire(plan, amounts())).allowed).toBe(true);
      await e.close();
      expect(vi.getTimerCount()).toBe(0); // close stops the renewal timer
    } finally {
      vi.useRealTimers();
    }
  });

  it("checkpoint charges only usage beyond the reservation and answers exhausted for cutoff rules", async () => {
    const e = createMemoryEngine({ now: () => T });
    const r = testRule("output_tokens", 1_000, { cutoff: true });
    const plan = e.plan([r]);
    const other = await e.acquire(plan, amounts({ outputTokens: 600 }));
    const a = await e.acquire(plan, amounts({ outputTokens: 100 }));
    expect(a.tokens?.remaining).toBe(300);
    const lease = a.lease as Lease;
    expect(await e.checkpoint(lease, amounts({ outputTokens: 100 }))).toBe(false); // within the reservation
    expect(await e.checkpoint(lease, amounts({ outputTokens: 200 }))).toBe(false); // 300 produced: counter 900
    expect(await e.checkpoint(lease, amounts({ outputTokens: 100 }))).toBe(true); // 400: counter 1000
    e.settle(lease, amounts({ outputTokens: 420 })); // settle adds only what checkpoints did not: 20
    e.settle(other.lease!, amounts({ outputTokens: 600 }));
    expect((await e.acquire(plan, amounts())).allowed).toBe(false);
    const fresh = e.plan([testRule("output_tokens", 10, { scopeKey: r.scopeKey, window: "hour" })]);
    expect((await e.acquire(fresh, amounts())).tokens?.remaining).toBe(10);
  });

  it("counts shadow rules, reports them, and never rejects for them", async () => {
    const e = createMemoryEngine({ now: () => T });
    const enforced = testRule("requests", 10);
    const shadow = testRule("requests", 2, { shadow: true, scopeKey: enforced.scopeKey });
    const plan = e.plan([enforced, shadow]);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await e.acquire(plan, amounts()));
    expect(results.every((a) => a.allowed)).toBe(true);
    expect(results.map((a) => a.shadowBlocked)).toEqual([[], [], [shadow.id], [shadow.id]]);
    // The headers describe the enforced rule only.
    expect(results[3]!.requests).toMatchObject({ limit: 10, remaining: 6 });
  });

  it("refuses broken rules at plan time", () => {
    const e = createMemoryEngine();
    expect(() => e.plan([testRule("requests", -1)])).toThrow(/limit/);
    expect(() => e.plan([testRule("requests", 1, { window: null })])).toThrow(/window/);
    expect(() => e.plan([testRule("concurrency", 1, { window: "minute" })])).toThrow(/window/);
    expect(() => e.plan([testRule("requests", 1, { cutoff: true })])).toThrow(/cutoff/);
    expect(() => e.plan([testRule("requests", 1, { scopeKey: "consumer:{x}" })])).toThrow(/scopeKey/);
  });
});

describe("createMemoryLimiter", () => {
  it("is the in-memory engine", async () => {
    const l = createMemoryLimiter({ now: () => T });
    const plan = l.plan([testRule("requests", 1)]);
    expect((await l.acquire(plan, amounts())).allowed).toBe(true);
    expect((await l.acquire(plan, amounts())).allowed).toBe(false);
    await l.close();
  });
});
