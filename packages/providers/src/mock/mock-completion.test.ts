import { describe, expect, it } from "vitest";
import type { UpstreamTarget } from "../types.ts";
import { type MockChatRequest, mockCompletion, mockStream } from "./mock-completion.ts";

const target: UpstreamTarget = { basePath: "", upstreamModel: "mock-1", headers: {} };
const ctx = { nowMs: 1_700_000_000_123 };
const decoder = new TextDecoder();
/** The mock's OpenAI chat answer, plain or streamed as the request asks. */
const answer = (req: MockChatRequest, t: UpstreamTarget, c: typeof ctx) =>
  req.stream === true ? mockStream(req, t, c) : mockCompletion(req, t, c);
const messages = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "Say hello to the gateway, please." },
];

function sseEvents(chunks: readonly Uint8Array[]): string[] {
  const text = chunks.map((c) => decoder.decode(c)).join("");
  expect(text.endsWith("\n\n")).toBe(true);
  return text
    .split("\n\n")
    .filter((e) => e !== "")
    .map((e) => {
      expect(e.startsWith("data: ")).toBe(true);
      return e.slice("data: ".length);
    });
}

describe("mock provider", () => {
  it("answers a plain request with one chat.completion object", () => {
    const res = answer({ model: "alias", messages }, target, ctx);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.chunks).toHaveLength(1);
    const body = JSON.parse(decoder.decode(res.chunks[0]));
    expect(body).toMatchObject({
      object: "chat.completion",
      created: 1_700_000_000,
      model: "mock-1",
      choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant" } }],
    });
    expect(body.id).toMatch(/^chatcmpl-mock-[0-9a-f]{16}$/);
    expect(body.choices[0].message.content).toBe(
      "This is a mock reply from mock-1. You sent 2 message(s); the last user message had 33 characters.",
    );
    // (3 priming) + 2 * (3 per message) + ceil(9/4) + ceil(33/4) = 3 + 6 + 3 + 9
    expect(body.usage.prompt_tokens).toBe(21);
    expect(body.usage.completion_tokens).toBe(Math.ceil(body.choices[0].message.content.length / 4));
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it("is deterministic for the same request and time, and differs for another prompt", () => {
    const a = decoder.decode(answer({ model: "x", messages }, target, ctx).chunks[0]);
    const b = decoder.decode(answer({ model: "x", messages }, target, ctx).chunks[0]);
    const c = decoder.decode(
      answer({ model: "x", messages: [{ role: "user", content: "other" }] }, target, ctx).chunks[0],
    );
    expect(a).toBe(b);
    expect(JSON.parse(c).id).not.toBe(JSON.parse(a).id);
  });

  it("streams SSE chunks whose content adds up to the plain answer, then usage, then [DONE]", () => {
    const plain = JSON.parse(decoder.decode(answer({ model: "x", messages }, target, ctx).chunks[0]));
    const res = answer({ model: "x", messages, stream: true }, target, ctx);
    expect(res.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    const events = sseEvents(res.chunks);
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    for (const ch of chunks) {
      expect(ch).toMatchObject({ object: "chat.completion.chunk", id: plain.id, model: "mock-1" });
    }
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    const text = chunks.map((ch) => ch.choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe(plain.choices[0].message.content);
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(plain.usage);
  });

  it("counts text parts of multi-part content and tolerates missing messages", () => {
    const parts = [{ role: "user", content: [{ type: "text", text: "abcdefgh" }, { type: "image_url" }] }];
    const body = JSON.parse(decoder.decode(answer({ model: "x", messages: parts }, target, ctx).chunks[0]));
    expect(body.usage.prompt_tokens).toBe(3 + 3 + 2);
    const none = JSON.parse(decoder.decode(answer({ model: "x" }, target, ctx).chunks[0]));
    expect(none.usage.prompt_tokens).toBe(3);
  });
});
