import { request as httpRequest } from "node:http";
import { Readable } from "node:stream";
import { createMemoryLimiter } from "@switchyard/ratelimit";
import OpenAI from "openai";
import { Registry } from "prom-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../../../../test/fakes/openai-upstream.ts";
import { freePort } from "../../../../test/harness/free-port.ts";
import { createDataPlaneApp } from "../app.ts";
import { createRuntimeHolder, type RuntimeHolder } from "../runtime/runtime-holder.ts";
import { captureLogger } from "../testing/capture-logger.ts";
import { serveApp } from "../testing/serve-app.ts";
import {
  apiKey,
  consumer,
  mockProvider,
  openAIProvider,
  route,
  rpmLimit,
  snapshot,
} from "../testing/snapshot-fixture.ts";

let fake: FakeOpenAI;
let holder: RuntimeHolder;
let gateway: { url: string; close: () => Promise<void> };
let registry: Registry;
let log: ReturnType<typeof captureLogger>;
let client: OpenAI;

const messages = [{ role: "user" as const, content: "tell me about penguins" }];

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: "sk-upstream" });
  const deadPort = await freePort();
  const limiter = createMemoryLimiter();
  holder = createRuntimeHolder();
  const applied = holder.apply(
    snapshot({
      providers: [
        mockProvider(),
        openAIProvider(fake.url, { firstByteTimeoutMs: 300 }),
        openAIProvider(`http://127.0.0.1:${deadPort}/v1`, { id: "prov-dead" }),
      ],
      routes: [
        route("gpt", "prov-openai", "gpt-4o-mini"),
        route("fast", "prov-mock", "mock-1"),
        route("dead", "prov-dead"),
      ],
      consumers: [consumer("c1")],
      apiKeys: [apiKey("sk-client", "c1")],
      limits: [rpmLimit("c1", 1000)],
    }),
  );
  if (!applied.ok) throw new Error(applied.error.message);
  registry = new Registry();
  log = captureLogger();
  const app = createDataPlaneApp({
    runtime: holder,
    limiter,
    logger: log.logger,
    registry,
    maxRequestBodyBytes: 64 * 1024,
  });
  gateway = await serveApp(app);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "sk-client", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await holder.close();
  await fake.close();
});

beforeEach(() => {
  fake.setBehavior({ rateLimitNext: 0, headerDelayMs: 0, hang: false, chunkDelayMs: 0 });
});

describe("proxy to an OpenAI upstream over real HTTP", () => {
  it("forwards a plain completion with the upstream model and key, and the gateway's headers", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "gpt", messages, temperature: 0.5 })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Hello from the fake OpenAI upstream.");
    expect(data.model).toBe("gpt-4o-mini");
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    const rec = fake.requests.at(-1)!;
    expect(rec.body).toEqual({ model: "gpt-4o-mini", messages, temperature: 0.5 });
    expect(rec.headers.authorization).toBe("Bearer sk-upstream");
    expect(response.headers.get("x-ratelimit-limit-requests")).toBe("1000");
    expect(response.headers.get("x-ratelimit-remaining-requests")).toMatch(/^\d+$/);
    expect(response.headers.get("x-ratelimit-remaining-requests")).not.toBe("9999");
    expect(response.headers.get("x-upstream-request-id")).toMatch(/^req_/);
    expect(response.headers.get("x-request-id")).not.toMatch(/^req_/);
    expect(response.headers.get("openai-organization")).toBeNull();
  });

  it("streams a completion, usage chunk included, through the SDK", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("Hello from the fake OpenAI upstream.");
    expect(chunks).toBe(9); // role + 6 words + finish + usage
    expect(usage?.completion_tokens).toBe(6);
    expect(fake.requests.at(-1)?.body).toMatchObject({ model: "gpt-4o-mini", stream: true });
  });

  it("passes an upstream 429 through with its retry-after and OpenAI error body", async () => {
    fake.setBehavior({ rateLimitNext: 1, retryAfterSeconds: 7 });
    const e = await client.chat.completions.create({ model: "gpt", messages }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.RateLimitError);
    const rl = e as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rl.status).toBe(429);
    expect(rl.headers?.get("retry-after")).toBe("7");
    expect(rl.error).toMatchObject({ type: "requests", code: "rate_limit_exceeded", param: null });
    const metrics = await registry.metrics();
    expect(metrics).toMatch(
      /switchyard_dataplane_upstream_requests_total\{provider_kind="openai",status_class="4xx"\} 1/,
    );
    expect(metrics).toMatch(
      /switchyard_dataplane_http_requests_total\{method="POST",route="\/v1\/chat\/completions",status_class="4xx"\} 1/,
    );
  });

  it("answers 504 upstream_timeout when the upstream sends no headers in time", async () => {
    fake.setBehavior({ headerDelayMs: 2_000 });
    const t0 = Date.now();
    const e = await client.chat.completions.create({ model: "gpt", messages }).catch((x: unknown) => x);
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(e).toBeInstanceOf(OpenAI.APIError);
    const err = e as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(504);
    expect(err.error).toEqual({
      message: expect.any(String),
      type: "api_error",
      param: null,
      code: "upstream_timeout",
    });
  });

  it("answers 502 upstream_error when the upstream refuses connections", async () => {
    const e = await client.chat.completions.create({ model: "dead", messages }).catch((x: unknown) => x);
    const err = e as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({ code: "upstream_error" });
    expect(JSON.stringify(err.error)).not.toContain("127.0.0.1");
  });

  it("aborts the upstream request when the client disconnects mid-stream", async () => {
    fake.setBehavior({ chunkDelayMs: 100, replyText: "one two three four five six seven eight nine ten" });
    const before = fake.requests.length;
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "gpt", messages, stream: true },
      { signal: controller.signal },
    );
    let seen = 0;
    try {
      for await (const _ of stream) {
        if (++seen === 2) controller.abort();
      }
    } catch {
      // Depending on timing the SDK ends the iteration quietly or with an abort error; both are fine here.
    }
    expect(seen).toBeLessThan(5);
    const rec = fake.requests[before]!;
    await vi.waitFor(() => expect(rec.outcome).toBe("aborted"), { timeout: 2_000 });
    await vi.waitFor(async () =>
      expect(await registry.metrics()).toMatch(
        /upstream_requests_total\{provider_kind="openai",status_class="aborted"\} 1/,
      ),
    );
    fake.setBehavior({ replyText: "Hello from the fake OpenAI upstream." });
  });

  it("aborts the upstream request when the client gives up before any response headers", async () => {
    fake.setBehavior({ hang: true });
    const before = fake.requests.length;
    const e = await client.chat.completions
      .create({ model: "gpt", messages }, { timeout: 150 })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    const rec = fake.requests[before]!;
    await vi.waitFor(() => expect(rec.outcome).toBe("aborted"), { timeout: 2_000 });
  });

  it("refuses an oversized body with 413 before calling the upstream", async () => {
    const before = fake.requests.length;
    const e = await client.chat.completions
      .create({ model: "gpt", messages: [{ role: "user", content: "x".repeat(70 * 1024) }] })
      .catch((x: unknown) => x);
    expect((e as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect(fake.requests.length).toBe(before);
  });

  it("enforces the cap while reading a chunked body that declares no length", async () => {
    const before = fake.requests.length;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${gateway.url}/v1/chat/completions`,
        { method: "POST", headers: { authorization: "Bearer sk-client", "content-type": "application/json" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      // 100 KiB in 1 KiB chunks against a 64 KiB cap; the answer may arrive before the upload ends.
      req.write(`{"model":"gpt","pad":"`);
      let sent = 0;
      const pump = () => {
        while (sent < 100) {
          sent++;
          if (!req.write("x".repeat(1024))) return void req.once("drain", pump);
        }
        req.end(`"}`);
      };
      pump();
    });
    expect(status).toBe(413);
    expect(fake.requests.length).toBe(before);
  });

  it("reuses upstream connections and keeps the client connection alive", async () => {
    await client.chat.completions.create({ model: "gpt", messages });
    await client.chat.completions.create({ model: "gpt", messages });
    const [a, b] = fake.requests.slice(-2);
    expect(a?.remotePort).toBe(b?.remotePort);

    const ports = new Set<number>();
    const { Agent } = await import("node:http");
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 2; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(
          `${gateway.url}/v1/chat/completions`,
          { method: "POST", agent, headers: { authorization: "Bearer sk-client", "content-type": "application/json" } },
          (res) => {
            ports.add(res.socket.localPort ?? 0);
            res.resume();
            res.on("end", () => resolve());
          },
        );
        req.on("error", reject);
        req.end(JSON.stringify({ model: "gpt", messages }));
      });
    }
    agent.destroy();
    expect(ports.size).toBe(1);
  });

  it("moves request and response bodies without converting between Node and web streams", async () => {
    const toWeb = vi.spyOn(Readable, "toWeb");
    const fromWeb = vi.spyOn(Readable, "fromWeb");
    try {
      const stream = await client.chat.completions.create({ model: "gpt", messages, stream: true });
      for await (const _ of stream) {
        // drain
      }
      await client.chat.completions.create({ model: "gpt", messages });
      expect(toWeb).not.toHaveBeenCalled();
      expect(fromWeb).not.toHaveBeenCalled();
    } finally {
      toWeb.mockRestore();
      fromWeb.mockRestore();
    }
  });

  it("serves the mock provider through the SDK, plain and streamed", async () => {
    const plain = await client.chat.completions.create({ model: "fast", messages });
    expect(plain.id).toMatch(/^chatcmpl-mock-/);
    const text = plain.choices[0]?.message.content ?? "";
    expect(text).toContain("mock reply from mock-1");
    const stream = await client.chat.completions.create({
      model: "fast",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed = "";
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(streamed).toBe(text);
    expect(usage).toEqual(plain.usage);
  });

  it("never logs the client's key, the upstream key or prompt text", () => {
    const text = log.text();
    expect(text.length).toBeGreaterThan(0);
    for (const secret of ["sk-client", "sk-upstream", "penguins"]) expect(text).not.toContain(secret);
  });
});
