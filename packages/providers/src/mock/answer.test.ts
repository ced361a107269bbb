import { describe, expect, it } from "vitest";
import { sseEvents } from "../testing/feed.ts";
import type { LocalResponse } from "../types.ts";
import { mockAdapter } from "./index.ts";

const target = { basePath: "", upstreamModel: "mock-1", headers: {} };
const ctx = { nowMs: 1_700_000_000_000 };
const dec = new TextDecoder();
const text = (r: LocalResponse) => r.chunks.map((c) => dec.decode(c)).join("");

function answer(
  format: "openai" | "anthropic",
  operation: "chat" | "embeddings",
  body: Record<string, unknown>,
): LocalResponse {
  const r = mockAdapter.answer({ format, operation, body }, target, ctx);
  if (!r.ok) throw new Error(dec.decode(r.error.body));
  return r.value;
}

describe("mock answer()", () => {
  const messages = [{ role: "user", content: "Say hello." }];

  it("answers OpenAI clients as before, with the usage chunk only when asked", () => {
    expect(JSON.parse(text(answer("openai", "chat", { model: "m", messages }))).choices[0].message.content).toMatch(
      /^This is a mock reply from mock-1/,
    );
    const plain = sseEvents(text(answer("openai", "chat", { model: "m", messages, stream: true })));
    expect(plain.some(([, d]) => typeof d === "object" && d !== null && "usage" in d)).toBe(false);
    const usage = sseEvents(
      text(answer("openai", "chat", { model: "m", messages, stream: true, stream_options: { include_usage: true } })),
    );
    expect(usage.at(-2)?.[1]).toMatchObject({ choices: [], usage: { prompt_tokens: 9 } });
  });

  it("answers Anthropic clients in Messages format, plain and streamed", () => {
    const msg = JSON.parse(text(answer("anthropic", "chat", { model: "m", max_tokens: 10, messages })));
    expect(msg).toMatchObject({
      type: "message",
      role: "assistant",
      stop_reason: "end_turn",
      usage: { input_tokens: 9 },
    });
    expect(msg.content[0].text).toMatch(/^This is a mock reply/);
    const events = sseEvents(text(answer("anthropic", "chat", { model: "m", max_tokens: 10, messages, stream: true })));
    expect(events[0]?.[0]).toBe("message_start");
    expect(events.at(-1)?.[0]).toBe("message_stop");
    const streamed = events
      .filter(([e]) => e === "content_block_delta")
      .map(([, d]) => (d as { delta: { text: string } }).delta.text);
    expect(streamed.join("")).toBe(msg.content[0].text);
  });

  it("answers embeddings with deterministic unit vectors, and refuses a bad Anthropic body with its error shape", () => {
    const e = JSON.parse(text(answer("openai", "embeddings", { model: "m", input: ["a", "b"], dimensions: 16 })));
    expect(e.data).toHaveLength(2);
    expect(Math.hypot(...e.data[0].embedding)).toBeCloseTo(1, 6);
    expect(JSON.parse(text(answer("openai", "embeddings", { model: "m", input: ["a", "b"], dimensions: 16 })))).toEqual(
      e,
    );
    const bad = mockAdapter.answer(
      { format: "anthropic", operation: "chat", body: { model: "m", messages } },
      target,
      ctx,
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(JSON.parse(dec.decode(bad.error.body))).toMatchObject({
        type: "error",
        error: { type: "invalid_request_error" },
      });
  });
});
