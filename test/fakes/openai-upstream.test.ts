import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "./openai-upstream.ts";

let fake: FakeOpenAI;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: "sk-upstream" });
  client = new OpenAI({ baseURL: fake.url, apiKey: "sk-upstream", maxRetries: 0 });
});
afterAll(() => fake.close());

const messages = [{ role: "user" as const, content: "hi" }];

describe("fake OpenAI upstream", () => {
  it("answers a plain completion with usage and OpenAI's headers, and records the request", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages, temperature: 0 })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Hello from the fake OpenAI upstream.");
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get("openai-processing-ms")).toMatch(/^\d+$/);
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("9999");
    const rec = fake.requests.at(-1);
    expect(rec).toMatchObject({
      method: "POST",
      path: "/v1/chat/completions",
      body: { model: "gpt-4o-mini", temperature: 0 },
    });
    expect(rec?.headers.authorization).toBe("Bearer sk-upstream");
  });

  it("streams SSE frames byte-faithfully, with a usage chunk only when asked", async () => {
    const res = await fetch(`${fake.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-upstream", "content-type": "application/json" },
      body: JSON.stringify({ model: "m", messages, stream: true }),
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const text = await res.text();
    const frames = text.split("\n\n");
    expect(frames.pop()).toBe("");
    expect(frames.at(-1)).toBe("data: [DONE]");
    expect(frames.every((f) => f.startsWith("data: "))).toBe(true);
    expect(text).not.toContain('"usage"');

    const stream = await client.chat.completions.create({
      model: "m",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = "";
    let usage: unknown = null;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(content).toBe("Hello from the fake OpenAI upstream.");
    expect(usage).toMatchObject({ completion_tokens: 6 });
  });

  it("lists models", async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toContain("gpt-4o-mini");
  });

  it("answers N requests with 429 and retry-after, then recovers", async () => {
    fake.setBehavior({ rateLimitNext: 2, retryAfterSeconds: 7 });
    for (let i = 0; i < 2; i++) {
      const e = await client.chat.completions.create({ model: "m", messages }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(OpenAI.RateLimitError);
      const rl = e as InstanceType<typeof OpenAI.RateLimitError>;
      expect(rl.headers?.get("retry-after")).toBe("7");
      expect(rl.error).toEqual({
        message: expect.any(String),
        type: "requests",
        param: null,
        code: "rate_limit_exceeded",
      });
    }
    await expect(client.chat.completions.create({ model: "m", messages })).resolves.toBeDefined();
  });

  it("answers 401 invalid_api_key to a wrong key", async () => {
    const bad = new OpenAI({ baseURL: fake.url, apiKey: "sk-wrong", maxRetries: 0 });
    const e = await bad.chat.completions.create({ model: "m", messages }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((e as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe("invalid_api_key");
  });

  it("delays headers, hangs, and records a client that gave up as aborted", async () => {
    fake.setBehavior({ headerDelayMs: 150 });
    const t0 = Date.now();
    await client.chat.completions.create({ model: "m", messages });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    fake.setBehavior({ headerDelayMs: 0, hang: true });
    const e = await client.chat.completions.create({ model: "m", messages }, { timeout: 200 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    const rec = fake.requests.at(-1);
    await vi.waitFor(() => expect(rec?.outcome).toBe("aborted"));
    fake.setBehavior({ hang: false });
  });
});
