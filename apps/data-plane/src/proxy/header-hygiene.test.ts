import { createServer, type IncomingHttpHeaders, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createMemoryLimiter } from "@switchyard/ratelimit";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataPlaneApp } from "../app.ts";
import { createRuntimeHolder, type RuntimeHolder } from "../runtime/runtime-holder.ts";
import { captureLogger } from "../testing/capture-logger.ts";
import { serveApp } from "../testing/serve-app.ts";
import { apiKey, consumer, openAIProvider, route, rpmLimit, snapshot } from "../testing/snapshot-fixture.ts";

/**
 * Which headers cross the gateway, in both directions, over real HTTP. The upstream answers every request with
 * headers that must never reach a client (cookies, echoed credentials, hop-by-hop headers, its account's rate
 * limits and organisation); the client sends headers that must never reach a provider (its gateway key in both
 * places Anthropic and OpenAI clients put it, hop-by-hop headers, cookies, proxy credentials).
 */

const CLIENT_KEY = "sk-client-gateway-key";
const PROVIDER_KEY = "sk-provider-credential";

/** Headers the upstream adds to every answer. */
const HOSTILE = {
  "set-cookie": "session=upstream-session; Path=/; HttpOnly",
  "x-api-key": PROVIDER_KEY,
  authorization: `Bearer ${PROVIDER_KEY}`,
  "keep-alive": "timeout=999",
  "proxy-authenticate": 'Basic realm="upstream"',
  "x-ratelimit-limit-requests": "99999",
  "x-ratelimit-remaining-requests": "12345",
  "x-ratelimit-reset-requests": "1h",
  "anthropic-ratelimit-requests-limit": "4000",
  "openai-organization": "org-upstream-secret",
  "x-request-id": "req_upstream_1",
  "request-id": "req_upstream_1",
};

const completion = JSON.stringify({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "m",
  choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});
const message = JSON.stringify({
  id: "msg_1",
  type: "message",
  role: "assistant",
  model: "claude",
  content: [{ type: "text", text: "hi" }],
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 1, output_tokens: 1 },
});
const sse = [
  'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"hi"},"finish_reason":null}]}\n\n',
  'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
  'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}\n\n',
  "data: [DONE]\n\n",
].join("");

let upstream: Server;
const seen: IncomingHttpHeaders[] = [];
let holder: RuntimeHolder;
let gateway: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push(req.headers);
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { model: string; stream?: boolean };
      if (body.model === "limited") {
        const err = JSON.stringify({
          error: { message: "slow down", type: "requests", param: null, code: "rate_limit_exceeded" },
        });
        res.writeHead(429, { ...HOSTILE, "retry-after": "3", "content-type": "application/json" }).end(err);
      } else if (req.url === "/v1/messages") {
        res.writeHead(200, { ...HOSTILE, "content-type": "application/json" }).end(message);
      } else if (body.stream === true) {
        res.writeHead(200, { ...HOSTILE, "content-type": "text/event-stream" }).end(sse);
      } else {
        res.writeHead(200, { ...HOSTILE, "content-type": "application/json" }).end(completion);
      }
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  holder = createRuntimeHolder();
  const applied = holder.apply(
    snapshot({
      providers: [
        openAIProvider(base, { apiKey: PROVIDER_KEY }),
        openAIProvider(base, { id: "prov-anthropic", name: "anthropic", kind: "anthropic", apiKey: PROVIDER_KEY }),
      ],
      routes: [
        route("gpt", "prov-openai", "m"),
        route("limited", "prov-openai", "limited"),
        route("claude", "prov-anthropic", "claude"),
      ],
      consumers: [consumer("c1")],
      apiKeys: [apiKey(CLIENT_KEY, "c1")],
      limits: [rpmLimit("c1", 1000)],
    }),
  );
  if (!applied.ok) throw new Error(applied.error.message);
  const app = createDataPlaneApp({
    runtime: holder,
    limiter: createMemoryLimiter(),
    logger: captureLogger().logger,
    registry: new Registry(),
  });
  gateway = await serveApp(app);
});

afterAll(async () => {
  await gateway?.close();
  await holder?.close();
  await new Promise<void>((r) => {
    upstream.closeAllConnections();
    upstream.close(() => r());
  });
});

/** A raw request, so hop-by-hop headers can be sent and every response header read as it arrived. */
function send(path: string, body: unknown, extra: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = request(
      `${gateway.url}${path}`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${CLIENT_KEY}`,
          "x-api-key": CLIENT_KEY,
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(text)),
          connection: "keep-alive, x-secret-hop",
          "keep-alive": "timeout=77",
          "x-secret-hop": "hop-value",
          te: "trailers",
          "proxy-authorization": "Basic Y2xpZW50OnByb3h5",
          cookie: "client-session=abc",
          "x-forwarded-for": "203.0.113.99",
          ...extra,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

/** What no client response may carry, whatever the path through the proxy. */
function expectClean(h: IncomingHttpHeaders, what: string): void {
  for (const name of ["set-cookie", "x-api-key", "authorization", "proxy-authenticate", "openai-organization"]) {
    expect(h[name], `${what}: ${name}`).toBeUndefined();
  }
  expect(h["anthropic-ratelimit-requests-limit"], what).toBeUndefined();
  expect(h["keep-alive"], what).not.toBe("timeout=999");
  expect(JSON.stringify(h), what).not.toContain(PROVIDER_KEY);
  // The gateway's own rate-limit headers and request id win; the upstream's id is kept under its own name.
  expect(h["x-ratelimit-limit-requests"], what).toBe("1000");
  expect(h["x-ratelimit-remaining-requests"], what).not.toBe("12345");
  expect(h["x-ratelimit-reset-requests"], what).not.toBe("1h");
  expect(h["x-request-id"], what).toMatch(/.+/);
  expect(h["x-request-id"], what).not.toBe("req_upstream_1");
}

describe("response headers: an allow-list", () => {
  it("keeps cookies, echoed credentials, hop-by-hop and upstream account headers from the client", async () => {
    const messages = [{ role: "user", content: "hello" }];
    const plain = await send("/v1/chat/completions", { model: "gpt", messages });
    expect(plain.status).toBe(200);
    expectClean(plain.headers, "passed-through JSON");
    expect(plain.headers["x-upstream-request-id"]).toBe("req_upstream_1");

    const stream = await send("/v1/chat/completions", { model: "gpt", messages, stream: true });
    expect(stream.status).toBe(200);
    expect(stream.body).toContain("data: [DONE]");
    expectClean(stream.headers, "stream");
    expect(stream.headers["x-upstream-request-id"]).toBe("req_upstream_1");

    const translated = await send("/v1/chat/completions", { model: "claude", messages });
    expect(translated.status).toBe(200);
    expect(JSON.parse(translated.body).choices[0].message.content).toBe("hi");
    expectClean(translated.headers, "translated");

    const limited = await send("/v1/chat/completions", { model: "limited", messages });
    expect(limited.status).toBe(429);
    expectClean(limited.headers, "upstream 429");
    expect(limited.headers["retry-after"]).toBe("3");

    const anthropicClient = await send(
      "/v1/messages",
      { model: "claude", max_tokens: 8, messages },
      { "anthropic-version": "2023-06-01" },
    );
    expect(anthropicClient.status).toBe(200);
    expectClean(anthropicClient.headers, "Anthropic client, same format");
  });
});

describe("request headers: the upstream sees the provider credential and nothing of the client's", () => {
  it("sends exactly the provider credential, and no client key, hop-by-hop header, cookie or proxy credential", async () => {
    seen.length = 0;
    const messages = [{ role: "user", content: "hello" }];
    await send("/v1/chat/completions", { model: "gpt", messages });
    await send("/v1/chat/completions", { model: "gpt", messages, stream: true });
    await send("/v1/chat/completions", { model: "claude", messages });
    await send("/v1/messages", { model: "claude", max_tokens: 8, messages }, { "anthropic-version": "2023-06-01" });
    await send("/v1/messages", { model: "gpt", max_tokens: 8, messages }, { "anthropic-version": "2023-06-01" });
    expect(seen).toHaveLength(5);
    const allowed = new Set([
      "host",
      "connection",
      "content-length",
      "content-type",
      "accept",
      "authorization",
      "x-api-key",
      "anthropic-version",
    ]);
    for (const [i, h] of seen.entries()) {
      expect(JSON.stringify(h), `request ${i}`).not.toContain(CLIENT_KEY);
      expect(
        Object.keys(h).filter((k) => !allowed.has(k)),
        `request ${i}`,
      ).toEqual([]);
      expect(h.connection, `request ${i}`).toBe("keep-alive");
      expect(h["keep-alive"], `request ${i}`).toBeUndefined();
    }
    // OpenAI-format upstream: Bearer with the provider key; Anthropic upstream: x-api-key with it, no Bearer.
    for (const h of [seen[0], seen[1], seen[4]]) {
      expect(h?.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
      expect(h?.["x-api-key"]).toBeUndefined();
    }
    for (const h of [seen[2], seen[3]]) {
      expect(h?.["x-api-key"]).toBe(PROVIDER_KEY);
      expect(h?.authorization).toBeUndefined();
      expect(h?.["anthropic-version"]).toBe("2023-06-01");
    }
  });
});
