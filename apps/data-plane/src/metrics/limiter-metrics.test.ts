import { createRedisLimiter } from "@switchyard/ratelimit";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { countDegradedDecisions } from "./limiter-metrics.ts";

describe("degraded limiter decisions", () => {
  it("are counted by outcome when the store cannot answer", async () => {
    const registry = new Registry();
    // Nothing listens on port 1: every check is decided by the rules' failure policies.
    const limiter = countDegradedDecisions(
      createRedisLimiter({ url: "redis://127.0.0.1:1", commandTimeoutMs: 50, connectTimeoutMs: 50 }),
      registry,
    );
    const rule = { id: "r", limit: 10, windowMs: 60_000, scopeKey: "consumer:c" };
    expect((await limiter.check([{ ...rule, failurePolicy: "fail-open" }])).allowed).toBe(true);
    expect((await limiter.check([{ ...rule, failurePolicy: "fail-closed" }])).allowed).toBe(false);
    expect((await limiter.check([{ ...rule, failurePolicy: "fail-closed" }])).degraded).toBe(true);
    const text = await registry.metrics();
    expect(text).toContain('switchyard_dataplane_ratelimit_degraded_total{outcome="admitted"} 1');
    expect(text).toContain('switchyard_dataplane_ratelimit_degraded_total{outcome="rejected"} 2');
    await limiter.close();
  });
});
