import { describe, expect, it } from "vitest";
import { DEGRADED_RETRY_AFTER_MS, decide, failurePolicyDecision } from "./decision.ts";
import type { RequestRule } from "./types.ts";

function rule(id: string, limit: number, failurePolicy: "fail-closed" | "fail-open", windowMs = 60_000): RequestRule {
  return { id, limit, windowMs, scopeKey: `consumer:${id}`, failurePolicy };
}

describe("decide", () => {
  it("picks the least remaining when admitted", () => {
    const d = decide([rule("a", 10, "fail-closed"), rule("b", 5, "fail-closed")], true, [2, 4], [1000, 2000]);
    expect(d).toEqual({
      allowed: true,
      limit: 5,
      remaining: 1,
      resetMs: 2000,
      retryAfterMs: 0,
      blockedBy: null,
      degraded: false,
    });
  });

  it("picks the exhausted rule with the longest wait when rejected", () => {
    const rules = [rule("a", 1, "fail-closed"), rule("b", 100, "fail-closed"), rule("c", 2, "fail-closed")];
    const d = decide(rules, false, [1, 3, 2], [300, 50_000, 40_000]);
    expect(d).toMatchObject({ allowed: false, blockedBy: "c", limit: 2, remaining: 0, retryAfterMs: 40_000 });
  });
});

describe("failurePolicyDecision", () => {
  it("rejects when any rule denies", () => {
    const d = failurePolicyDecision([rule("open", 10, "fail-open"), rule("closed", 5, "fail-closed")], 0);
    expect(d).toEqual({
      allowed: false,
      limit: 5,
      remaining: 0,
      resetMs: DEGRADED_RETRY_AFTER_MS,
      retryAfterMs: DEGRADED_RETRY_AFTER_MS,
      blockedBy: "closed",
      degraded: true,
    });
  });

  it("admits uncounted when every rule allows", () => {
    const d = failurePolicyDecision([rule("a", 10, "fail-open"), rule("b", 5, "fail-open")], 90_000);
    expect(d).toEqual({
      allowed: true,
      limit: 5,
      remaining: 5,
      resetMs: 30_000,
      retryAfterMs: 0,
      blockedBy: null,
      degraded: true,
    });
  });
});
