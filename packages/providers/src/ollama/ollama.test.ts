import { describe, expect, it } from "vitest";
import { feedAllSplits, finishJson, pipeTransformer, sseEvents } from "../testing/feed.ts";
import type { ClientCall, PreparedCall } from "../types.ts";
import { ollamaAdapter } from "./index.ts";

const target = { basePath: "", upstreamModel: "llama3.2", headers: { "content-type": "application/json" } };
const head = { status: 200, headers: {} };

function prepare(call: ClientCall): PreparedCall {
  const r = ollamaAdapter.prepare(call, target);
  if (!r.ok) throw new Error(new TextDecoder().decode(r.error.body));
  return r.value;
}
const chat = (body: Record<string, unknown>): ClientCall => ({
  format: "openai",
  operation: "chat",
  body: { model: "alias", ...body },
});

// /api/chat's NDJSON stream as Ollama writes it: content pieces, a line with whole tool calls, the done line.
const OLLAMA_STREAM = [
  '{"model":"llama3.2","created_at":"2026-01-01T12:00:00.5Z","message":{"role":"assistant","content":"Let me "},"done":false}\n',
  '{"model":"llama3.2","created_at":"2026-01-01T12:00:00.5Z","message":{"role":"assistant","content":"check ✓"},"done":false}\n',
  '{"model":"llama3.2","created_at":"2026-01-01T12:00:00.5Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Paris"}}},{"function":{"name":"get_weather","arguments":{"city":"Oslo"}}}]},"done":false}\n',
  '{"model":"llama3.2","created_at":"2026-01-01T12:00:00.5Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":100,"prompt_eval_count":26,"eval_count":12}\n',
].join("");

describe("ollama adapter (golden)", () => {
  it("translates an OpenAI request into /api/chat: options, images, tools, tool results, format, explicit stream", () => {
    const p = prepare(
      chat({
        messages: [
          { role: "system", content: "Be brief." },
          {
            role: "user",
            content: [
              { type: "text", text: "What is this?" },
              { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
            ],
          },
          {
            role: "assistant",
            content: "",
            tool_calls: [
              { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            ],
          },
          { role: "tool", tool_call_id: "call_1", content: "21C" },
        ],
        tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
        response_format: {
          type: "json_schema",
          json_schema: { name: "x", schema: { type: "object", properties: { a: { type: "string" } } } },
        },
        temperature: 0.1,
        top_p: 0.5,
        max_tokens: 64,
        stop: "###",
        seed: 3,
      }),
    );
    expect(p.request.path).toBe("/api/chat");
    expect(JSON.parse(p.request.body)).toEqual({
      model: "llama3.2",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "What is this?", images: ["AAAA"] },
        {
          role: "assistant",
          content: "",
          tool_calls: [{ function: { name: "get_weather", arguments: { city: "Paris" } } }],
        },
        { role: "tool", content: "21C", tool_name: "get_weather" },
      ],
      stream: false,
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
      format: { type: "object", properties: { a: { type: "string" } } },
      options: { temperature: 0.1, top_p: 0.5, num_predict: 64, stop: ["###"], seed: 3 },
    });
    expect(
      JSON.parse(
        prepare(chat({ messages: [], tools: [{ type: "function", function: { name: "f" } }], tool_choice: "none" }))
          .request.body,
      ).tools,
    ).toBeUndefined();
    expect(
      ollamaAdapter.unsupportedParameters(chat({ messages: [], tool_choice: "required", n: 3, logprobs: true })),
    ).toEqual(["tool_choice", "n", "logprobs"]);
    const url = ollamaAdapter.prepare(
      chat({
        messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x.test/a.png" } }] }],
      }),
      target,
    );
    expect(url.ok).toBe(false);
  });

  it("translates a non-streamed answer with tool calls and counters", () => {
    const body = {
      model: "llama3.2",
      created_at: "2026-01-01T12:00:00.5Z",
      message: { role: "assistant", content: "", tool_calls: [{ function: { name: "f", arguments: { a: 1 } } }] },
      done_reason: "stop",
      done: true,
      prompt_eval_count: 26,
      eval_count: 12,
    };
    expect(finishJson(prepare(chat({ messages: [] })).respond(head), body).json).toEqual({
      id: "chatcmpl-ollama-202601011200005",
      object: "chat.completion",
      created: 1767268800,
      model: "llama3.2",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "",
            refusal: null,
            tool_calls: [
              { id: "call_202601011200005_0", type: "function", function: { name: "f", arguments: '{"a":1}' } },
            ],
          },
          logprobs: null,
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 26, completion_tokens: 12, total_tokens: 38 },
    });
  });

  it("turns the NDJSON stream into OpenAI SSE at any chunking, and into Anthropic's events", () => {
    const make = () =>
      pipeTransformer(
        prepare(chat({ messages: [], stream: true, stream_options: { include_usage: true } })).respond(head),
      );
    const out = feedAllSplits(make, OLLAMA_STREAM, (a, b, how) => expect(a, how).toBe(b));
    const events = sseEvents(out).map(
      ([, d]) => d as { choices?: { delta: unknown; finish_reason: unknown }[]; usage?: unknown },
    );
    expect(events.map((e) => (typeof e === "string" ? e : (e.choices?.[0]?.delta ?? e.usage)))).toEqual([
      { role: "assistant", content: "" },
      { content: "Let me " },
      { content: "check ✓" },
      {
        tool_calls: [0, 1].map((index) => ({
          index,
          id: `call_202601011200005_${index}`,
          type: "function",
          function: { name: "get_weather", arguments: `{"city":"${index === 0 ? "Paris" : "Oslo"}"}` },
        })),
      },
      {},
      { prompt_tokens: 26, completion_tokens: 12, total_tokens: 38 },
      "[DONE]",
    ]);
    const anthropic = () =>
      pipeTransformer(
        prepare({
          format: "anthropic",
          operation: "chat",
          body: { model: "a", max_tokens: 9, messages: [], stream: true },
        }).respond(head),
      );
    const a = sseEvents(feedAllSplits(anthropic, OLLAMA_STREAM, (x, y, how) => expect(x, how).toBe(y)));
    expect(a.map(([e]) => e)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(a.at(-2)?.[1]).toMatchObject({
      delta: { stop_reason: "tool_use" },
      usage: { input_tokens: 26, output_tokens: 12 },
    });
  });

  it("reports Ollama's error line mid-stream and a stream without its done line as errors", () => {
    const make = () => pipeTransformer(prepare(chat({ messages: [], stream: true })).respond(head));
    const lines = OLLAMA_STREAM.split("\n");
    const failed = feedAllSplits(make, `${lines[0]}\n{"error":"unexpected EOF"}\n`, (a, b, how) =>
      expect(a, how).toBe(b),
    );
    expect(sseEvents(failed).at(-1)?.[1]).toEqual({
      error: { message: "unexpected EOF", type: "api_error", param: null, code: "upstream_error" },
    });
    const cut = feedAllSplits(make, `${lines[0]}\n${lines[1]}\n`, (a, b, how) => expect(a, how).toBe(b));
    expect(sseEvents(cut).at(-1)?.[1]).toMatchObject({
      error: { message: expect.stringMatching(/before it was complete/) },
    });
  });

  it("embeds through /api/embed with token counts", () => {
    const p = prepare({ format: "openai", operation: "embeddings", body: { model: "a", input: ["x"], dimensions: 2 } });
    expect([p.request.path, JSON.parse(p.request.body)]).toEqual([
      "/api/embed",
      { model: "llama3.2", input: ["x"], dimensions: 2 },
    ]);
    expect(
      finishJson(p.respond(head), { model: "llama3.2", embeddings: [[0.5, 0.25]], prompt_eval_count: 3 }).json,
    ).toEqual({
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: [0.5, 0.25] }],
      model: "llama3.2",
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
  });
});
