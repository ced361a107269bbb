import { createMemoryLimiter } from "@switchyard/ratelimit";
import { Registry } from "prom-client";
import { beforeEach, describe, expect, it } from "vitest";
import { createDataPlaneApp } from "./app.ts";
import { createRuntimeHolder, type RuntimeHolder } from "./runtime/runtime-holder.ts";
import { captureLogger } from "./testing/capture-logger.ts";
import {
  apiKey,
  consumer,
  mockProvider,
  openAIProvider,
  route,
  rpmLimit,
  snapshot,
} from "./testing/snapshot-fixture.ts";

const NOW = 1_700_000_010_000; // 30 s into a UTC minute
const PROMPT = "a secret prompt about penguins";

function setup(opts: { apply?: boolean; maxBody?: number } = {}) {
  const limiter = createMemoryLimiter({ now: () => NOW });
  const holder: RuntimeHolder = createRuntimeHolder();
  if (opts.apply !== false) {
    const s = snapshot({
      providers: [mockProvider(), openAIProvider("http://127.0.0.1:9/v1")],
      routes: [route("fast", "prov-mock", "mock-1"), route("gpt", "prov-openai", "gpt-4o-mini")],
      consumers: [consumer("c1"), consumer("c2", false), consumer("c3")],
      apiKeys: [apiKey("sk-one", "c1"), apiKey("sk-two", "c2"), apiKey("sk-three", "c3")],
      limits: [rpmLimit("c1", 2)],
    });
    const applied = holder.apply(s);
    if (!applied.ok) throw new Error(applied.error.message);
  }
  const registry = new Registry();
  const log = captureLogger();
  const app = createDataPlaneApp({
    runtime: holder,
    limiter,
    logger: log.logger,
    registry,
    maxRequestBodyBytes: opts.maxBody ?? 4096,
    now: () => NOW,
  });
  return { app, holder, registry, log };
}

function chat(app: ReturnType<typeof setup>["app"], key: string | null, body: unknown, init: RequestInit = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  return app.request("/v1/chat/completions", {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}

async function expectError(res: Response, status: number, code: string, param: string | null = null) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: Record<string, unknown> };
  expect(body).toEqual({ error: { message: expect.any(String), type: expect.any(String), param, code } });
  return body.error;
}

const hello = { model: "fast", messages: [{ role: "user", content: PROMPT }] };

describe("data plane app", () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it("serves health always and readiness only once a snapshot is applied", async () => {
    const empty = setup({ apply: false });
    expect((await empty.app.request("/healthz")).status).toBe(200);
    expect((await empty.app.request("/readyz")).status).toBe(503);
    await expectError(await chat(empty.app, "sk-one", hello), 503, "not_ready");
    expect((await t.app.request("/readyz")).status).toBe(200);
  });

  it("rejects missing, unknown and disabled keys with 401 invalid_api_key", async () => {
    await expectError(await chat(t.app, null, hello), 401, "invalid_api_key");
    await expectError(await chat(t.app, "sk-nope", hello), 401, "invalid_api_key");
    await expectError(await chat(t.app, "sk-two", hello), 401, "invalid_api_key");
    const models = await t.app.request("/v1/models", { headers: { authorization: "Basic sk-one" } });
    await expectError(models, 401, "invalid_api_key");
  });

  it("lists route aliases as OpenAI models", async () => {
    const res = await t.app.request("/v1/models", { headers: { authorization: "Bearer sk-one" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as { object: string; data: { id: string; object: string }[] };
    expect(body.object).toBe("list");
    expect(body.data.map((m) => [m.id, m.object])).toEqual([
      ["fast", "model"],
      ["gpt", "model"],
    ]);
  });

  it("answers 400 for bodies that are not JSON objects or lack a string model, naming the param", async () => {
    const e1 = await expectError(await chat(t.app, "sk-one", "{not json"), 400, "invalid_request_error");
    expect(e1.type).toBe("invalid_request_error");
    await expectError(await chat(t.app, "sk-one", [1, 2]), 400, "invalid_request_error");
    await expectError(await chat(t.app, "sk-one", { messages: [] }), 400, "invalid_request_error", "model");
    await expectError(await chat(t.app, "sk-one", { model: 42 }), 400, "invalid_request_error", "model");
  });

  it("answers 404 model_not_found for an unknown alias without using up the limit", async () => {
    for (let i = 0; i < 3; i++) {
      await expectError(await chat(t.app, "sk-one", { ...hello, model: "nope" }), 404, "model_not_found", "model");
    }
    expect((await chat(t.app, "sk-one", hello)).status).toBe(200);
  });

  it("answers 413 for a declared or a streamed body over the cap", async () => {
    const big = JSON.stringify({ ...hello, pad: "x".repeat(5000) });
    await expectError(await chat(t.app, "sk-one", big), 413, "payload_too_large");
    // No content-length: the cap must be enforced while reading.
    const chunks = [new TextEncoder().encode(big.slice(0, 3000)), new TextEncoder().encode(big.slice(3000))];
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        const next = chunks[pulled++];
        if (next) ctrl.enqueue(next);
        else ctrl.close();
      },
    });
    const res = await chat(t.app, "sk-one", "", { body: stream, duplex: "half" } as RequestInit);
    await expectError(res, 413, "payload_too_large");
    expect(res.headers.get("connection")).toBe("close");
  });

  it("limits with one call per request: allowed answers carry the headers, the third gets 429", async () => {
    for (let i = 0; i < 2; i++) {
      const ok = await chat(t.app, "sk-one", hello);
      expect(ok.status).toBe(200);
      expect(ok.headers.get("x-ratelimit-limit-requests")).toBe("2");
      expect(ok.headers.get("x-ratelimit-remaining-requests")).toBe(String(1 - i));
      expect(ok.headers.get("x-ratelimit-reset-requests")).toBe("30s");
    }
    const res = await chat(t.app, "sk-one", hello);
    const e = await expectError(res, 429, "rate_limit_exceeded");
    expect(e.type).toBe("requests");
    expect(res.headers.get("retry-after")).toBe("30");
    expect(res.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(res.headers.get("x-ratelimit-reset-requests")).toBe("30s");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("sends no rate-limit headers for a consumer without limits", async () => {
    const res = await chat(t.app, "sk-three", hello);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit-requests")).toBeNull();
  });

  it("answers from the mock provider, plain and streamed, with a request id", async () => {
    const res = await chat(t.app, "sk-three", hello, {
      headers: { authorization: "Bearer sk-three", "x-request-id": "req-abc" },
    });
    expect(res.headers.get("x-request-id")).toBe("req-abc");
    const body = (await res.json()) as { model: string; object: string; choices: { message: { content: string } }[] };
    expect(body).toMatchObject({ object: "chat.completion", model: "mock-1", created: NOW / 1000 });
    expect(body.choices[0]?.message.content).toContain("mock reply from mock-1");

    const streamed = await chat(t.app, "sk-three", { ...hello, stream: true, stream_options: { include_usage: true } });
    expect(streamed.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const text = await streamed.text();
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(text).toContain('"usage":{');
  });

  it("counts requests and upstream calls with bounded labels, and logs neither keys nor prompts", async () => {
    await chat(t.app, "sk-one", hello);
    await chat(t.app, "sk-nope", hello);
    const metrics = await t.registry.metrics();
    expect(metrics).toMatch(
      /switchyard_dataplane_upstream_requests_total\{provider_kind="mock",status_class="2xx"\} 1/,
    );
    expect(metrics).toMatch(
      /switchyard_dataplane_http_requests_total\{method="POST",route="\/v1\/chat\/completions",status_class="2xx"\} 1/,
    );
    expect(metrics).toMatch(/switchyard_dataplane_http_requests_total\{[^}]*status_class="4xx"\} 1/);
    expect(metrics).not.toContain("sk-");
    const logs = t.log.text();
    expect(logs).toContain('"status":401');
    expect(logs).not.toContain("sk-one");
    expect(logs).not.toContain("sk-nope");
    expect(logs).not.toContain("penguins");
  });

  it("keeps serving the previous runtime when a snapshot is refused", async () => {
    const bad = snapshot({ providers: [openAIProvider("nope")], routes: [route("fast", "prov-openai")] }, 2n);
    expect(t.holder.apply(bad).ok).toBe(false);
    expect((await chat(t.app, "sk-three", hello)).status).toBe(200);
  });

  it("answers unknown paths in OpenAI's error shape", async () => {
    await expectError(
      await t.app.request("/v1/audio/speech", { method: "POST", headers: { authorization: "Bearer sk-one" } }),
      404,
      "not_found",
    );
  });
});
