import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.ts";
import {
  eventually,
  freePort,
  type PostgresInstance,
  type RedisInstance,
  type ServiceProcess,
  startPostgres,
  startRedis,
  startService,
} from "../harness/index.ts";

/**
 * The foundation scenario: a real PostgreSQL and Redis, the control plane and two data planes as separate
 * processes, a fake OpenAI upstream speaking the real wire format, and the official `openai` client.
 */
describe("foundation: admin API -> PostgreSQL -> gRPC -> two data planes -> provider", () => {
  const adminToken = randomBytes(24).toString("hex");
  const nodeToken = randomBytes(24).toString("hex");
  let pg: PostgresInstance;
  let redis: RedisInstance;
  let upstream: FakeOpenAI;
  let cp: ServiceProcess;
  const dps: ServiceProcess[] = [];
  const dpUrls: string[] = [];
  let adminUrl = "";
  let consumerId = "";
  let apiKey = "";
  let keyId = "";
  let routeId = "";
  /** The newest config generation a write through the admin API reported. */
  let lastGeneration = 0n;

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${adminUrl}/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const generation = res.headers.get("x-config-generation");
    if (generation && BigInt(generation) > lastGeneration) lastGeneration = BigInt(generation);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  /** Waits until both data planes have acked a snapshot that includes the newest write. */
  const converged = async () => {
    await eventually(async () => {
      const snap = (await admin("GET", "/snapshot")).body;
      if (!snap.coveredGeneration || BigInt(snap.coveredGeneration) < lastGeneration) return false;
      const nodes = (await admin("GET", "/nodes")).body.data as { ackedVersion: string | null; connected: boolean }[];
      const live = nodes.filter((n) => n.connected);
      return snap.version && live.length === 2 && live.every((n) => n.ackedVersion === snap.version);
    }, 15_000);
  };

  const client = (i: number, key = apiKey) => new OpenAI({ baseURL: `${dpUrls[i]}/v1`, apiKey: key, maxRetries: 0 });

  beforeAll(async () => {
    [pg, redis, upstream] = await Promise.all([
      startPostgres(),
      startRedis(),
      startFakeOpenAI({ apiKey: "sk-upstream" }),
    ]);
    const [adminPort, grpcPort, cpMetrics] = [await freePort(), await freePort(), await freePort()];
    adminUrl = `http://127.0.0.1:${adminPort}`;
    cp = startService("control-plane", "apps/control-plane/src/main.ts", {
      SWITCHYARD_MODE: "production",
      HOST: "127.0.0.1",
      ADMIN_PORT: String(adminPort),
      GRPC_PORT: String(grpcPort),
      METRICS_PORT: String(cpMetrics),
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      ADMIN_TOKEN: adminToken,
      NODE_TOKEN: nodeToken,
      MASTER_KEY: randomBytes(32).toString("hex"),
      GRPC_ALLOW_PLAINTEXT: "true",
      LOG_LEVEL: "warn",
    });
    await cp.waitHttp(`${adminUrl}/readyz`);
    for (let i = 0; i < 2; i++) {
      const [port, metrics] = [await freePort(), await freePort()];
      dpUrls.push(`http://127.0.0.1:${port}`);
      dps.push(
        startService(`data-plane-${i}`, "apps/data-plane/src/main.ts", {
          SWITCHYARD_MODE: "production",
          HOST: "127.0.0.1",
          PORT: String(port),
          METRICS_PORT: String(metrics),
          CONTROL_PLANE_URL: `127.0.0.1:${grpcPort}`,
          NODE_TOKEN: nodeToken,
          REDIS_URL: redis.url,
          // The production default (50 ms) is for a dedicated Redis; test suites share two cores.
          LIMIT_REDIS_TIMEOUT_MS: "500",
          NODE_ID: `dp-${i}`,
          // No last-known-good file: this scenario is about the stream, and the default path is in the repo.
          SNAPSHOT_FILE: "",
          CONFIG_ALLOW_PLAINTEXT: "true",
          LOG_LEVEL: "warn",
        }),
      );
    }
    await Promise.all(dps.map((dp, i) => dp.waitHttp(`${dpUrls[i]}/readyz`)));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([cp, ...dps].filter(Boolean).map((p) => p.kill("SIGKILL")));
    await Promise.all([pg?.stop(), redis?.stop(), upstream?.close()]);
  });

  it("configures a provider, route, consumer and key through the admin API", async () => {
    const provider = await admin("POST", "/providers", {
      name: "fake-openai",
      kind: "openai",
      baseUrl: upstream.url,
      allowInternal: true,
      apiKey: "sk-upstream",
    });
    expect(provider.status).toBe(201);
    expect(JSON.stringify(provider.body)).not.toContain('sk-upstream"');
    const route = await admin("POST", "/routes", {
      alias: "gpt-test",
      providerId: provider.body.id,
      upstreamModel: "gpt-4o-mini",
    });
    expect(route.status).toBe(201);
    routeId = route.body.id;
    const consumer = await admin("POST", "/consumers", { name: "app-one" });
    expect(consumer.status).toBe(201);
    consumerId = consumer.body.id;
    const key = await admin("POST", `/consumers/${consumerId}/keys`, { name: "e2e" });
    expect(key.status).toBe(201);
    apiKey = key.body.key;
    keyId = key.body.id;
    await converged();
  });

  it("proxies plain and streamed chat completions through both data planes", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await client(i).chat.completions.create({
        model: "gpt-test",
        messages: [{ role: "user", content: "hello" }],
      });
      expect(res.choices[0]?.message.content).toBe("Hello from the fake OpenAI upstream.");
      expect(res.usage?.total_tokens).toBeGreaterThan(0);

      const stream = await client(i).chat.completions.create({
        model: "gpt-test",
        messages: [{ role: "user", content: "hello" }],
        stream: true,
      });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      expect(text).toBe("Hello from the fake OpenAI upstream.");
    }
    const seen = upstream.requests.filter((r) => r.path === "/v1/chat/completions");
    expect(seen.length).toBe(4);
    for (const r of seen) {
      expect((r.body as { model: string }).model).toBe("gpt-4o-mini");
      expect(r.headers.authorization).toBe("Bearer sk-upstream");
    }
    const models = await client(0).models.list();
    expect(models.data.map((m) => m.id)).toEqual(["gpt-test"]);
  });

  it("answers unknown keys and models in OpenAI's error shape", async () => {
    await expect(
      client(0, "sk-sy-not-a-real-key").chat.completions.create({ model: "gpt-test", messages: [] }),
    ).rejects.toMatchObject({ status: 401, code: "invalid_api_key" });
    await expect(
      client(1).chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toMatchObject({ status: 404, code: "model_not_found" });
  });

  it("admits exactly N requests per minute across both data planes", async () => {
    const N = 7;
    const r = new Redis(redis.url);
    const [secs] = await r.time();
    r.disconnect();
    const intoMinute = Number(secs) % 60;
    // The fixed window must not roll over during the burst: start early in a minute.
    if (intoMinute > 40) await new Promise((res) => setTimeout(res, (61 - intoMinute) * 1000));
    const limit = await admin("POST", "/limits", {
      kind: "requests",
      window: "minute",
      scope: "consumer",
      scopeId: consumerId,
      limit: N,
    });
    expect(limit.status).toBe(201);
    await converged();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        client(i % 2).chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }),
      ),
    );
    const admitted = results.filter((x) => x.status === "fulfilled").length;
    const rejected = results.filter((x) => x.status === "rejected").map((x) => (x as PromiseRejectedResult).reason);
    expect(admitted).toBe(N);
    expect(rejected).toHaveLength(20 - N);
    for (const e of rejected) {
      expect(e).toMatchObject({ status: 429, code: "rate_limit_exceeded" });
      expect(Number(e.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(e.headers.get("x-ratelimit-limit-requests")).toBe(String(N));
      expect(e.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    }
    const del = await admin("DELETE", `/limits/${limit.body.id}`);
    expect(del.status).toBe(204);
    await converged();
  }, 90_000);

  it("a config change reaches both nodes", async () => {
    const before = upstream.requests.length;
    const patched = await admin("PATCH", `/routes/${routeId}`, { upstreamModel: "gpt-4.1-nano" });
    expect(patched.status).toBe(200);
    await converged();
    for (let i = 0; i < 2; i++) {
      await client(i).chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] });
    }
    const after = upstream.requests.slice(before).map((r) => (r.body as { model: string }).model);
    expect(after).toEqual(["gpt-4.1-nano", "gpt-4.1-nano"]);
  });

  it("a revoked key stops working on every node", async () => {
    const spare = await admin("POST", `/consumers/${consumerId}/keys`, { name: "spare" });
    await converged();
    expect((await admin("DELETE", `/consumers/${consumerId}/keys/${keyId}`)).status).toBe(204);
    await converged();
    for (let i = 0; i < 2; i++) {
      await expect(
        client(i).chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }),
      ).rejects.toMatchObject({ status: 401 });
    }
    apiKey = spare.body.key;
  });

  it("killing the control plane does not stop traffic", async () => {
    await cp.kill("SIGKILL");
    for (let i = 0; i < 2; i++) {
      const res = await client(i).chat.completions.create({
        model: "gpt-test",
        messages: [{ role: "user", content: "still there?" }],
      });
      expect(res.choices[0]?.message.content).toBeTruthy();
      const ready = await fetch(`${dpUrls[i]}/readyz`);
      expect(ready.status).toBe(200);
    }
  });
});
