import { createLimiter, type Limiter } from "@switchyard/ratelimit";
import { createRedisConnection, type RedisClient } from "@switchyard/ratelimit/connection";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisInstance, startRedis } from "../../../test/harness/redis.ts";
import { createDataPlaneApp } from "./app.ts";
import { createRuntimeHolder } from "./runtime/runtime-holder.ts";
import { captureLogger } from "./testing/capture-logger.ts";
import { apiKey, consumer, mockProvider, route, rpmLimit, snapshot } from "./testing/snapshot-fixture.ts";

let redis: RedisInstance;
let client: RedisClient;
let limiter: Limiter;

beforeAll(async () => {
  redis = await startRedis();
  client = createRedisConnection({ url: redis.url });
  client.on("error", () => {});
  limiter = createLimiter({ client, commandTimeoutMs: 200 });
});
afterAll(async () => {
  await limiter.close();
  client.disconnect();
  await redis.stop();
});

function app() {
  const holder = createRuntimeHolder();
  holder.apply(
    snapshot({
      providers: [mockProvider()],
      routes: [route("fast", "prov-mock")],
      consumers: [consumer("strict"), consumer("lenient")],
      apiKeys: [apiKey("sk-strict", "strict"), apiKey("sk-lenient", "lenient")],
      limits: [rpmLimit("strict", 2), rpmLimit("lenient", 1000, { failurePolicy: "fail-open" })],
    }),
  );
  return createDataPlaneApp({ runtime: holder, limiter, logger: captureLogger().logger, registry: new Registry() });
}

const call = (a: ReturnType<typeof app>, key: string) =>
  a.request("/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "fast", messages: [{ role: "user", content: "hi" }] }),
  });

describe("limits enforced through the Redis limiter", () => {
  it("counts the consumer's rule in Redis and rejects past the limit", async () => {
    const a = app();
    expect((await call(a, "sk-strict")).status).toBe(200);
    expect((await call(a, "sk-strict")).status).toBe(200);
    const res = await call(a, "sk-strict");
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("0");
  });

  it("applies each rule's failure policy while Redis is down", async () => {
    const a = app();
    await redis.kill();
    try {
      const denied = await call(a, "sk-strict");
      expect(denied.status).toBe(503);
      expect(denied.headers.get("retry-after")).toBe("1");
      expect(((await denied.json()) as { error: { code: string } }).error.code).toBe("limits_unavailable");
      expect((await call(a, "sk-lenient")).status).toBe(200);
    } finally {
      await redis.start();
    }
  });
});
