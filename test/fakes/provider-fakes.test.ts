import Anthropic from "@anthropic-ai/sdk";
import { ApiError, GoogleGenAI } from "@google/genai";
import { Ollama } from "ollama";
import { AzureOpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anthropicWire } from "./anthropic-wire.ts";
import { TEXT_SCRIPT, TOOL_SCRIPT } from "./fake-script.ts";
import { type FakeUpstream, startFakeUpstream } from "./fake-upstream.ts";
import { FAKE_THOUGHT_SIGNATURE, geminiWire } from "./gemini-wire.ts";
import { ollamaWire } from "./ollama-wire.ts";
import { openAIFormatWire } from "./openai-format-wire.ts";

// Each fake is checked against its provider's official client, pointed straight at it, so a fake and a
// translator cannot share one misreading of a wire format unnoticed.

const KEY = "upstream-secret-key";
const fakes: FakeUpstream[] = [];
async function fake(wire: Parameters<typeof startFakeUpstream>[0]): Promise<FakeUpstream> {
  const f = await startFakeUpstream(wire);
  fakes.push(f);
  return f;
}
afterAll(async () => {
  for (const f of fakes) await f.close();
});
const reset = (f: FakeUpstream) =>
  f.setBehavior({ script: TEXT_SCRIPT, fail: null, streamErrorAfter: null, truncateAfter: null, splitSeed: null });

describe("fake Anthropic upstream, through @anthropic-ai/sdk", () => {
  let f: FakeUpstream;
  let client: Anthropic;
  beforeAll(async () => {
    f = await fake(anthropicWire(KEY));
    client = new Anthropic({ apiKey: KEY, baseURL: f.origin, maxRetries: 0 });
  });
  const params = { model: "claude-x", max_tokens: 100, messages: [{ role: "user" as const, content: "hi" }] };

  it("answers messages with text and tool use, and streams them with pings and split argument deltas", async () => {
    reset(f);
    const msg = await client.messages.create(params);
    expect(msg.content).toEqual([{ type: "text", text: TEXT_SCRIPT.text }]);
    expect(msg.usage.input_tokens).toBe(12);
    f.setBehavior({ script: TOOL_SCRIPT, splitSeed: 3 });
    const final = await client.messages.stream(params).finalMessage();
    expect(final.stop_reason).toBe("tool_use");
    expect(final.content.filter((b) => b.type === "tool_use").map((b) => b.type === "tool_use" && b.input)).toEqual(
      TOOL_SCRIPT.toolCalls.map((t) => t.arguments),
    );
    expect(final.usage).toMatchObject({ input_tokens: 64, cache_read_input_tokens: 16, output_tokens: 40 });
  });

  it("raises the SDK's error classes for 401, 429 (with retry-after), 529 and a mid-stream error", async () => {
    reset(f);
    const bad = new Anthropic({ apiKey: "wrong", baseURL: f.origin, maxRetries: 0 });
    await expect(bad.messages.create(params)).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    f.setBehavior({ fail: { status: 429, count: 1, retryAfterSeconds: 9 } });
    const e = (await client.messages.create(params).catch((x: unknown) => x)) as InstanceType<
      typeof Anthropic.RateLimitError
    >;
    expect(e).toBeInstanceOf(Anthropic.RateLimitError);
    expect(e.headers?.get("retry-after")).toBe("9");
    f.setBehavior({ fail: { status: 529, count: 1, retryAfterSeconds: 1 } });
    await expect(client.messages.create(params)).rejects.toBeInstanceOf(Anthropic.InternalServerError);
    f.setBehavior({ fail: null, streamErrorAfter: 3 });
    await expect(client.messages.stream(params).finalMessage()).rejects.toThrow(/Overloaded/);
  });
});

describe("fake Azure OpenAI upstream, through the openai SDK's AzureOpenAI", () => {
  let f: FakeUpstream;
  let client: AzureOpenAI;
  beforeAll(async () => {
    f = await fake(openAIFormatWire({ apiKey: KEY, azure: true }));
    client = new AzureOpenAI({
      apiKey: KEY,
      endpoint: f.origin,
      apiVersion: "2024-10-21",
      deployment: "gpt-4o-prod",
      maxRetries: 0,
    });
  });

  it("serves chat (plain, streamed with tools) and embeddings at deployment URLs with api-key", async () => {
    reset(f);
    const c = await client.chat.completions.create({ model: "ignored", messages: [{ role: "user", content: "hi" }] });
    expect(c.choices[0]?.message.content).toBe(TEXT_SCRIPT.text);
    expect(f.requests.at(-1)?.url).toBe("/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21");
    expect(f.requests.at(-1)?.headers["api-key"]).toBe(KEY);
    f.setBehavior({ script: TOOL_SCRIPT });
    const stream = await client.chat.completions.create({
      model: "x",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    const args: string[] = [];
    for await (const ch of stream)
      for (const tc of ch.choices[0]?.delta.tool_calls ?? [])
        args[tc.index] = (args[tc.index] ?? "") + (tc.function?.arguments ?? "");
    expect(args.map((a) => JSON.parse(a))).toEqual(TOOL_SCRIPT.toolCalls.map((t) => t.arguments));
    const emb = await client.embeddings.create({ model: "x", input: ["a", "b"] });
    expect(emb.data).toHaveLength(2);
  });

  it("answers 429 with retry-after and retry-after-ms, and 401 to a wrong key", async () => {
    f.setBehavior({ fail: { status: 429, count: 1, retryAfterSeconds: 6 } });
    const e = (await client.chat.completions
      .create({ model: "x", messages: [{ role: "user", content: "hi" }] })
      .catch((x: unknown) => x)) as { status: number; headers: Headers };
    expect(e.status).toBe(429);
    expect(e.headers.get("retry-after-ms")).toBe("6000");
    const bad = new AzureOpenAI({
      apiKey: "wrong",
      endpoint: f.origin,
      apiVersion: "2024-10-21",
      deployment: "d",
      maxRetries: 0,
    });
    await expect(bad.chat.completions.create({ model: "x", messages: [] })).rejects.toMatchObject({ status: 401 });
  });
});

describe("fake Gemini upstream, through @google/genai", () => {
  let f: FakeUpstream;
  let ai: GoogleGenAI;
  beforeAll(async () => {
    f = await fake(geminiWire(KEY));
    ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: f.origin, retryOptions: { attempts: 1 } } });
  });

  it("generates, streams (alt=sse, CRLF events) with function calls and thought signatures, and embeds", async () => {
    reset(f);
    const r = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "hi" });
    expect(r.text).toBe(TEXT_SCRIPT.text);
    expect(r.usageMetadata?.promptTokenCount).toBe(12);
    expect(f.requests.at(-1)?.headers["x-goog-api-key"]).toBe(KEY);
    f.setBehavior({ script: TOOL_SCRIPT, splitSeed: 5 });
    let text = "";
    const calls: unknown[] = [];
    let signature: string | undefined;
    for await (const ch of await ai.models.generateContentStream({ model: "gemini-2.5-flash", contents: "hi" })) {
      text += ch.text ?? "";
      for (const p of ch.candidates?.[0]?.content?.parts ?? []) {
        if (p.functionCall) calls.push(p.functionCall.args);
        signature ??= p.thoughtSignature;
      }
    }
    expect(f.requests.at(-1)?.url).toContain(":streamGenerateContent?alt=sse");
    expect(text).toBe(TOOL_SCRIPT.text);
    expect(calls).toEqual(TOOL_SCRIPT.toolCalls.map((t) => t.arguments));
    expect(signature).toBe(FAKE_THOUGHT_SIGNATURE);
    const emb = await ai.models.embedContent({ model: "text-embedding-004", contents: ["a", "b"] });
    expect(emb.embeddings).toHaveLength(2);
  });

  it("raises ApiError with the status for 429 and for an invalid key", async () => {
    f.setBehavior({ fail: { status: 429, count: 1, retryAfterSeconds: 37 } });
    const e = await ai.models.generateContent({ model: "m", contents: "hi" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(429);
    expect((e as ApiError).message).toContain("retryDelay");
    const bad = new GoogleGenAI({ apiKey: "wrong", httpOptions: { baseUrl: f.origin, retryOptions: { attempts: 1 } } });
    await expect(bad.models.generateContent({ model: "m", contents: "hi" })).rejects.toMatchObject({ status: 400 });
  });
});

describe("fake Ollama upstream, through the ollama client", () => {
  let f: FakeUpstream;
  let client: Ollama;
  beforeAll(async () => {
    f = await fake(ollamaWire());
    client = new Ollama({ host: f.origin });
  });

  it("chats, streams NDJSON with tool calls, and embeds", async () => {
    reset(f);
    const r = await client.chat({ model: "llama3.2", messages: [{ role: "user", content: "hi" }], stream: false });
    expect(r.message.content).toBe(TEXT_SCRIPT.text);
    expect(r.prompt_eval_count).toBe(12);
    f.setBehavior({ script: TOOL_SCRIPT, splitSeed: 9 });
    let text = "";
    const calls: unknown[] = [];
    let last: { done_reason?: string; eval_count?: number } = {};
    for await (const part of await client.chat({
      model: "llama3.2",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    })) {
      text += part.message.content;
      for (const tc of part.message.tool_calls ?? []) calls.push(tc.function.arguments);
      last = part;
    }
    expect(text).toBe(TOOL_SCRIPT.text);
    expect(calls).toEqual(TOOL_SCRIPT.toolCalls.map((t) => t.arguments));
    expect(last).toMatchObject({ done_reason: "stop", eval_count: 40 });
    const emb = await client.embed({ model: "nomic-embed-text", input: ["a", "b"] });
    expect(emb.embeddings).toHaveLength(2);
  });

  it("raises ResponseError with Ollama's message and status", async () => {
    f.setBehavior({ fail: { status: 404, count: 1, retryAfterSeconds: 0 } });
    await expect(client.chat({ model: "unknown", messages: [], stream: false })).rejects.toMatchObject({
      status_code: 404,
      error: expect.stringContaining("not found"),
    });
  });
});
