import OpenAI, { type APIError, RateLimitError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeOpenAI } from "../fakes/openai-upstream.ts";
import type { RedisInstance } from "../harness/index.ts";
import { type adminClient, type DataPlane, fleetSecrets, metric } from "./fleet/fleet.ts";
import { type RedisFleet, startRedisFleet } from "./fleet/redis-fleet.ts";

/**
 * Limits through the whole system: a real PostgreSQL, Redis, control plane and four data-plane processes, the
 * official `openai` client, and a fake OpenAI upstream.
 */
describe("limits: four data planes, one Redis", () => {
  const secrets = fleetSecrets();
  const NODES = ["dp-1", "dp-2", "dp-3", "dp-4"];
  let fleet: RedisFleet;
  let redis: RedisInstance;
  let upstream: FakeOpenAI;
  const dps: DataPlane[] = [];
  let admin: ReturnType<typeof adminClient>;
  let routeId = "";

  /** A consumer with one key and these limits (scoped to it); returns the key. */
  async function consumerWith(name: string, limits: Record<string, unknown>[]): Promise<string> {
    const consumer = await admin.call("POST", "/consumers", { name });
    expect(consumer.status).toBe(201);
    for (const l of limits) {
      const created = await admin.call("POST", "/limits", { scope: "consumer", scopeId: consumer.body.id, ...l });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    const key = await admin.call("POST", `/consumers/${consumer.body.id}/keys`, { name: "e2e" });
    expect(key.status).toBe(201);
    return key.body.key as string;
  }

  const client = (key: string, node = 0, maxRetries = 0) =>
    new OpenAI({ baseURL: `${dps[node]!.url}/v1`, apiKey: key, maxRetries });

  const ask = (key: string, node = 0, extra: Record<string, unknown> = {}) =>
    client(key, node).chat.completions.create({
      model: "gpt",
      messages: [{ role: "user", content: "Say hello." }],
      ...extra,
    });

  /** Sum of a data-plane metric over all nodes. */
  async function fleetMetric(name: string, labels: Record<string, string>): Promise<number> {
    let total = 0;
    for (const dp of dps) total += (await metric(dp.metricsUrl, name, labels)) ?? 0;
    return total;
  }

  /** Waits, if needed, so a burst does not straddle the edge of a UTC minute (fixed windows reset there). */
  async function awayFromMinuteEdge(): Promise<void> {
    const into = Date.now() % 60_000;
    if (into > 40_000) await new Promise((r) => setTimeout(r, 60_000 - into + 500));
  }

  beforeAll(async () => {
    fleet = await startRedisFleet({
      secrets,
      database: "limits",
      nodes: NODES,
      upstreamKey: "sk-upstream",
      cpRedis: false,
    });
    ({ redis, upstream, admin } = fleet);
    dps.push(...fleet.dps);
    const provider = await admin.call("POST", "/providers", {
      name: "openai",
      kind: "openai",
      baseUrl: upstream.url,
      apiKey: "sk-upstream",
      // The fake listens on loopback.
      allowInternal: true,
    });
    const route = await admin.call("POST", "/routes", {
      alias: "gpt",
      providerId: provider.body.id,
      upstreamModel: "gpt-4o-mini",
    });
    routeId = route.body.id;
  }, 120_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  it("admits exactly the limit across four nodes: 200 concurrent calls, 100 per minute", async () => {
    const key = await consumerWith("exact", [{ kind: "requests", window: "minute", limit: 100 }]);
    await admin.converged(NODES);
    await awayFromMinuteEdge();
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => ask(key, i % 4)));
    const ok = results.filter((r) => r.status === "fulfilled");
    const rejected = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    expect(ok).toHaveLength(100);
    expect(rejected).toHaveLength(100);
    for (const e of rejected) {
      expect(e).toBeInstanceOf(RateLimitError);
      const err = e as RateLimitError;
      expect(err.code).toBe("rate_limit_exceeded");
      expect(err.headers?.get("x-ratelimit-limit-requests")).toBe("100");
      expect(err.headers?.get("x-ratelimit-remaining-requests")).toBe("0");
      const retryAfter = Number(err.headers?.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    // Rejected calls never reached the upstream.
    expect(upstream.requests.filter((r) => r.path === "/v1/chat/completions")).toHaveLength(100);
  }, 120_000);

  it("answers an exhausted quota with insufficient_quota, which the SDK does not retry, and retries a rate limit", async () => {
    const quotaKey = await consumerWith("quota", [{ kind: "requests", window: "day", limit: 1 }]);
    const rateKey = await consumerWith("rate", [{ kind: "requests", window: "second", limit: 1 }]);
    await admin.converged(NODES);

    await ask(quotaKey);
    const quotaBefore = await fleetMetric("switchyard_dataplane_limit_admissions_total", { result: "quota_exhausted" });
    const quotaErr = await client(quotaKey, 0, 2)
      .chat.completions.create({ model: "gpt", messages: [{ role: "user", content: "again" }] })
      .catch((e: unknown) => e);
    expect(quotaErr).toBeInstanceOf(RateLimitError);
    expect((quotaErr as RateLimitError).code).toBe("insufficient_quota");
    expect((quotaErr as RateLimitError).headers?.get("x-should-retry")).toBe("false");
    const quotaAfter = await fleetMetric("switchyard_dataplane_limit_admissions_total", { result: "quota_exhausted" });
    expect(quotaAfter - quotaBefore).toBe(1); // one attempt, no retries

    const rateBefore = await fleetMetric("switchyard_dataplane_limit_admissions_total", { result: "rate_limited" });
    await ask(rateKey);
    // The SDK waits the retry-after (1 s) and tries again in the next second's window.
    const second = await client(rateKey, 0, 2).chat.completions.create({
      model: "gpt",
      messages: [{ role: "user", content: "again" }],
    });
    expect(second.choices[0]?.message.content).toContain("Hello");
    const rateAfter = await fleetMetric("switchyard_dataplane_limit_admissions_total", { result: "rate_limited" });
    expect(rateAfter - rateBefore).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("holds a token limit under 20 concurrent streams within the documented overshoot", async () => {
    const LIMIT = 500;
    const key = await consumerWith("tokens", [{ kind: "total_tokens", window: "minute", limit: LIMIT }]);
    await admin.converged(NODES);
    await awayFromMinuteEdge();
    upstream.setBehavior({ chunkDelayMs: 20 });
    try {
      const streams = await Promise.allSettled(
        Array.from({ length: 20 }, async (_, i) => {
          const stream = await client(key, i % 4).chat.completions.create({
            model: "gpt",
            messages: [{ role: "user", content: "Say hello." }],
            stream: true,
            stream_options: { include_usage: true },
            max_tokens: 40,
          });
          let total = 0;
          for await (const chunk of stream) if (chunk.usage) total = chunk.usage.total_tokens;
          return total;
        }),
      );
      const used = streams.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
      const rejected = streams.filter((s) => s.status === "rejected");
      expect(used.length).toBeGreaterThan(0);
      expect(rejected.length).toBeGreaterThan(0);
      for (const r of rejected) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RateLimitError);
      // The documented bound: admission keeps reserved + used within the limit, so what was used beyond it is at
      // most, per admitted call, what its real usage exceeded its reservation by. With max_tokens set the output
      // never exceeds the reservation; here the fake counts the JSON envelope as prompt, about 25 tokens more than
      // the gateway's estimate of this prompt.
      const sum = used.reduce((a, b) => a + b, 0);
      expect(sum).toBeLessThanOrEqual(LIMIT + used.length * 40);
    } finally {
      upstream.setBehavior({ chunkDelayMs: 0 });
    }
  }, 60_000);

  it("charges calls without upstream usage and streams the client left, never zero", async () => {
    const key = await consumerWith("no-usage", [{ kind: "output_tokens", window: "minute", limit: 100_000 }]);
    await admin.converged(NODES);
    upstream.setBehavior({ omitUsage: true, chunkDelayMs: 50 });
    try {
      const controller = new AbortController();
      const stream = await client(key).chat.completions.create(
        { model: "gpt", messages: [{ role: "user", content: "Say hello." }], stream: true, max_tokens: 50 },
        { signal: controller.signal },
      );
      let chunks = 0;
      try {
        for await (const _ of stream) {
          if (++chunks === 3) {
            controller.abort();
            break;
          }
        }
      } catch {
        // An aborted stream may end either way, depending on where the abort lands.
      }
      // The data plane settles once it sees the client go; give it a moment.
      await new Promise((r) => setTimeout(r, 1_500));
      const next = await ask(key, 0, { max_tokens: 1 }).withResponse();
      const remaining = Number(next.response.headers.get("x-ratelimit-remaining-tokens"));
      // remaining = limit - what the aborted stream was charged - this call's reservation (1). The stream was
      // charged the events it produced: more than nothing, less than the 50 it had reserved.
      const charged = 100_000 - 1 - remaining;
      expect(charged).toBeGreaterThanOrEqual(1);
      expect(charged).toBeLessThan(50);
    } finally {
      upstream.setBehavior({ omitUsage: false, chunkDelayMs: 0 });
    }
  }, 30_000);

  it("keeps each failure policy while Redis is down, with bounded latency, and recovers when it returns", async () => {
    const openKey = await consumerWith("fail-open", [
      { kind: "requests", window: "minute", limit: 1000, failurePolicy: "fail-open" },
    ]);
    const closedKey = await consumerWith("fail-closed", [
      { kind: "requests", window: "minute", limit: 1000, failurePolicy: "fail-closed" },
    ]);
    const localKey = await consumerWith("local", [
      { kind: "requests", window: "minute", limit: 8, failurePolicy: "local" },
    ]);
    await admin.converged(NODES);
    await awayFromMinuteEdge();
    await redis.kill();
    try {
      const timed = async <T>(p: Promise<T>) => {
        const started = performance.now();
        const r = await p.then(
          (v) => ({ ok: true as const, v }),
          (e: unknown) => ({ ok: false as const, e }),
        );
        return { ...r, ms: performance.now() - started };
      };
      for (let i = 0; i < 5; i++) {
        const open = await timed(ask(openKey, i % 4));
        expect(open.ok).toBe(true);
        expect(open.ms).toBeLessThan(2_000);
        const closed = await timed(ask(closedKey, i % 4));
        expect(closed.ok).toBe(false);
        expect(closed.ms).toBeLessThan(2_000);
        const e = (closed as { e: unknown }).e as APIError;
        expect(e.status).toBe(503);
        expect(e.headers?.get("retry-after")).toBeTruthy();
      }
      // `local`: each of the four nodes admits its share, ceil(8 / 4) = 2, on its own.
      const perNode = await Promise.all(
        dps.map(async (_, node) => {
          let admitted = 0;
          for (let i = 0; i < 4; i++) {
            const r = await timed(ask(localKey, node));
            expect(r.ms).toBeLessThan(2_000);
            if (r.ok) admitted++;
            else expect((r as { e: unknown }).e).toBeInstanceOf(RateLimitError);
          }
          return admitted;
        }),
      );
      expect(perNode).toEqual([2, 2, 2, 2]);
      expect(
        await fleetMetric("switchyard_dataplane_ratelimit_degraded_total", { outcome: "rejected" }),
      ).toBeGreaterThan(0);
    } finally {
      await redis.start();
    }
    // Back to Redis: the fail-closed consumer is served again once the breaker lets a probe through.
    const started = Date.now();
    for (;;) {
      const r = await ask(closedKey).then(
        () => true,
        () => false,
      );
      if (r) break;
      expect(Date.now() - started).toBeLessThan(20_000);
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(routeId).not.toBe("");
  }, 90_000);
});
