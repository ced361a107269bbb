import { createMemoryLimiter } from "@switchyard/ratelimit";
import { Registry } from "prom-client";
import { beforeEach, describe, expect, it } from "vitest";
import { createDataPlaneApp } from "../app.ts";
import { createRuntimeHolder } from "../runtime/runtime-holder.ts";
import { captureLogger } from "../testing/capture-logger.ts";
import {
  apiKey,
  consumer,
  mockProvider,
  openAIProvider,
  route,
  rpmLimit,
  snapshot,
} from "../testing/snapshot-fixture.ts";

const NOW = 1_700_000_010_000;
const anthropicProvider = openAIProvider("http://127.0.0.1:9/v1", { id: "prov-anthropic", kind: "anthropic" });

function setup(apply = true) {
  const limiter = createMemoryLimiter({ now: () => NOW });
  const holder = createRuntimeHolder();
  if (apply) {
    const applied = holder.apply(
      snapshot({
        providers: [mockProvider(), openAIProvider("http://127.0.0.1:9/v1"), anthropicProvider],
        routes: [
          route("fast", "prov-mock", "mock-1"),
          route("claude", "prov-anthropic", "claude-x"),
          route("strict-claude", "prov-anthropic", "claude-x", true),
          route("strict-gpt", "prov-openai", "gpt-4o-mini", true),
        ],
        consumers: [consumer("c1"), consumer("c2")],
        apiKeys: [apiKey("sk-one", "c1"), apiKey("sk-limited", "c2")],
        limits: [rpmLimit("c2", 1)],
      }),
    );
    if (!applied.ok) throw new Error(applied.error.message);
  }
  return createDataPlaneApp({
    runtime: holder,
    limiter,
    logger: captureLogger().logger,
    registry: new Registry(),
    maxRequestBodyBytes: 4096,
    now: () => NOW,
  });
}

type App = ReturnType<typeof setup>;

function post(
  app: App,
  path: string,
  body: unknown,
  headers: Record<string, string> = { authorization: "Bearer sk-one" },
) {
  return app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const messages = [{ role: "user", content: "hi" }];
const message = { model: "fast", max_tokens: 32, messages };

/** Reads an Anthropic error answer and checks its envelope. */
async function anthropicError(res: Response, status: number, type: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { type: string; error: { type: string; message: string } };
  expect(body).toEqual({ type: "error", error: { type, message: expect.any(String) } });
  return body.error;
}

describe("client API routes", () => {
  let app: App;
  beforeEach(() => {
    app = setup();
  });

  it("serves /v1/messages in Anthropic's shape, with the key as a bearer token or in x-api-key", async () => {
    const keyHeaders: Record<string, string>[] = [{ authorization: "Bearer sk-one" }, { "x-api-key": "sk-one" }];
    for (const headers of keyHeaders) {
      const res = await post(app, "/v1/messages", message, headers);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { type: string; role: string; content: { type: string; text: string }[] };
      expect(body).toMatchObject({ type: "message", role: "assistant" });
      expect(body.content[0]?.text).toMatch(/mock reply from mock-1/);
    }
    const streamed = await post(app, "/v1/messages", { ...message, stream: true });
    const text = await streamed.text();
    expect(text).toContain("event: message_start");
    expect(text).toContain("event: message_stop");
  });

  it("takes x-api-key on /v1/messages only", async () => {
    const res = await post(app, "/v1/chat/completions", { model: "fast", messages }, { "x-api-key": "sk-one" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_api_key");
  });

  it("serves /v1/embeddings, and a 400 for a provider without embeddings", async () => {
    const res = await post(app, "/v1/embeddings", { model: "fast", input: ["a", "b"] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; data: { index: number }[] };
    expect(body.object).toBe("list");
    expect(body.data.map((d) => d.index)).toEqual([0, 1]);
    const none = await post(app, "/v1/embeddings", { model: "claude", input: "a" });
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: { param: string } }).error.param).toBe("model");
  });

  it("answers the gateway's own errors on /v1/messages in Anthropic's shape", async () => {
    await anthropicError(await post(app, "/v1/messages", message, {}), 401, "authentication_error");
    await anthropicError(
      await post(app, "/v1/messages", message, { "x-api-key": "sk-nope" }),
      401,
      "authentication_error",
    );
    await anthropicError(await post(app, "/v1/messages", { ...message, model: "nope" }), 404, "not_found_error");
    await anthropicError(await post(app, "/v1/messages", "{not json"), 400, "invalid_request_error");
    await anthropicError(
      await post(app, "/v1/messages", { ...message, pad: "x".repeat(5000) }),
      413,
      "request_too_large",
    );
    const limited = { authorization: "Bearer sk-limited" };
    expect((await post(app, "/v1/messages", message, limited)).status).toBe(200);
    const res = await post(app, "/v1/messages", message, limited);
    await anthropicError(res, 429, "rate_limit_error");
    expect(res.headers.get("retry-after")).toBe("30");
    expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    // Before any configuration: Anthropic's overloaded status, which its SDK retries.
    await anthropicError(await post(setup(false), "/v1/messages", message), 529, "overloaded_error");
  });

  it("refuses on a strict route, naming the parameter in the client's shape, before any upstream call", async () => {
    // The upstreams here are unreachable: only a refusal made before dispatch can answer.
    const seed = await post(app, "/v1/chat/completions", { model: "strict-claude", messages, seed: 1 });
    expect(seed.status).toBe(400);
    const e = ((await seed.json()) as { error: { param: string; message: string } }).error;
    expect(e.param).toBe("seed");
    expect(e.message).toContain("'seed'");
    const topK = await post(app, "/v1/messages", { ...message, model: "strict-gpt", top_k: 5 });
    const a = await anthropicError(topK, 400, "invalid_request_error");
    expect(a.message).toContain("'top_k'");
  });
});
