import { describe, expect, it } from "vitest";
import { createMemoryRequestLimiter as createMemoryLimiter } from "./memory-limiter.ts";
import type { RequestRule } from "./types.ts";

function rule(id: string, limit: number, extra: Partial<RequestRule> = {}): RequestRule {
  return { id, limit, windowMs: 60_000, scopeKey: `consumer:${id}`, failurePolicy: "fail-closed", ...extra };
}

/** A UTC minute boundary (epoch milliseconds divisible by 60 000). */
const MINUTE = 1_699_999_980_000;

function clock(startMs: number) {
  const c = { ms: startMs, now: () => c.ms };
  return c;
}

describe("createMemoryLimiter", () => {
  it("allows at once with no rules", async () => {
    const d = await createMemoryLimiter().check([]);
    expect(d).toMatchObject({ allowed: true, blockedBy: null, degraded: false, retryAfterMs: 0 });
  });

  it("admits exactly the limit per window, then rejects until the UTC window ends", async () => {
    const t = clock(MINUTE + 10_000);
    const limiter = createMemoryLimiter({ now: t.now });
    const r = rule("a", 3);
    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) {
      const d = await limiter.check([r]);
      expect(d.allowed).toBe(true);
      remaining.push(d.remaining);
    }
    expect(remaining).toEqual([2, 1, 0]);
    const rejected = await limiter.check([r]);
    expect(rejected).toEqual({
      allowed: false,
      limit: 3,
      remaining: 0,
      resetMs: 50_000,
      retryAfterMs: 50_000,
      blockedBy: "a",
      degraded: false,
    });
    t.ms = MINUTE + 59_999;
    expect((await limiter.check([r])).allowed).toBe(false);
    t.ms = MINUTE + 60_000;
    const next = await limiter.check([r]);
    expect(next).toMatchObject({ allowed: true, remaining: 2, resetMs: 60_000 });
  });

  it("rejected checks consume nothing, and an exhausted rule blocks the others from counting", async () => {
    const t = clock(MINUTE);
    const limiter = createMemoryLimiter({ now: t.now });
    const wide = rule("wide", 10);
    const narrow = rule("narrow", 1);
    expect((await limiter.check([wide, narrow])).allowed).toBe(true);
    for (let i = 0; i < 5; i++) {
      const d = await limiter.check([wide, narrow]);
      expect(d).toMatchObject({ allowed: false, blockedBy: "narrow" });
    }
    // Only the first request counted against `wide`.
    expect(await limiter.check([wide])).toMatchObject({ allowed: true, remaining: 8 });
  });

  it("reports the rule with the least remaining", async () => {
    const limiter = createMemoryLimiter({ now: () => MINUTE });
    const d = await limiter.check([rule("big", 100), rule("small", 4), rule("mid", 10)]);
    expect(d).toMatchObject({ allowed: true, limit: 4, remaining: 3, blockedBy: null });
  });

  it("when several rules are exhausted, the one with the longest wait decides", async () => {
    const t = clock(MINUTE + 500);
    const limiter = createMemoryLimiter({ now: t.now });
    const second = rule("per-second", 1, { windowMs: 1000, scopeKey: "consumer:x" });
    const minute = rule("per-minute", 1, { scopeKey: "consumer:x" });
    expect((await limiter.check([second, minute])).allowed).toBe(true);
    const d = await limiter.check([second, minute]);
    expect(d).toMatchObject({ allowed: false, blockedBy: "per-minute", retryAfterMs: 59_500 });
  });

  it("counts a request once for rules sharing scope and window", async () => {
    const limiter = createMemoryLimiter({ now: () => MINUTE });
    const a = rule("a", 5, { scopeKey: "consumer:same" });
    const b = rule("b", 3, { scopeKey: "consumer:same" });
    const d = await limiter.check([a, b]);
    expect(d).toMatchObject({ allowed: true, limit: 3, remaining: 2 });
  });

  it("keeps scopes apart", async () => {
    const limiter = createMemoryLimiter({ now: () => MINUTE });
    expect((await limiter.check([rule("a", 1)])).allowed).toBe(true);
    expect((await limiter.check([rule("a", 1)])).allowed).toBe(false);
    expect((await limiter.check([rule("b", 1)])).allowed).toBe(true);
  });

  it("a zero limit rejects everything", async () => {
    const d = await createMemoryLimiter({ now: () => 0 }).check([rule("zero", 0)]);
    expect(d).toMatchObject({ allowed: false, blockedBy: "zero", remaining: 0 });
  });

  it("throws on a rule that should never have been compiled", async () => {
    const limiter = createMemoryLimiter();
    await expect(limiter.check([rule("bad", 1, { windowMs: 0 })])).rejects.toThrow(/windowMs/);
    await expect(limiter.check([rule("bad", -1)])).rejects.toThrow(/limit/);
  });
});
