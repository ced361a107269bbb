import { describe, expect, it } from "vitest";
import { feedAllSplits, pipeTransformer, sseEvents } from "../testing/feed.ts";
import type { ClientResponse, UpstreamTarget } from "../types.ts";
import { anthropicAdapter } from "./index.ts";
import { finishReasonOf } from "./response.ts";

const target: UpstreamTarget = { basePath: "/v1", upstreamModel: "claude", headers: {} };
const head = { status: 200, headers: { date: "Thu, 01 Jan 2026 00:00:00 GMT" } };
const enc = new TextEncoder();
const dec = new TextDecoder();

function respond(stream: boolean, includeUsage = true): ClientResponse {
  const body = {
    model: "m",
    messages: [{ role: "user", content: "hi" }],
    stream,
    ...(stream ? { stream_options: { include_usage: includeUsage } } : {}),
  };
  const r = anthropicAdapter.prepare({ format: "openai", operation: "chat", body }, target);
  if (!r.ok) throw new Error("prepare failed");
  return r.value.respond(head);
}

// A Messages stream as the API reference shows it: ping, a text block, a tool_use block whose first
// input_json_delta is empty, a second tool_use block, cumulative usage in message_delta.
const ANTHROPIC_STREAM = [
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":50,"cache_creation_input_tokens":0,"cache_read_input_tokens":30,"output_tokens":1}}}\n\n',
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
  'event: ping\ndata: {"type": "ping"}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking é🎉"}}\n\n',
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
  'event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_A","name":"get_weather","input":{}}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\": \\"Par"}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"is\\"}"}}\n\n',
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n',
  'event: content_block_start\ndata: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_B","name":"get_time","input":{}}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"tz\\":\\"CET\\"}"}}\n\n',
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":2}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":42}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
].join("");

/** The first n events of the stream, whole. */
const firstEvents = (n: number) => `${ANTHROPIC_STREAM.split("\n\n").slice(0, n).join("\n\n")}\n\n`;

const chunk = (delta: unknown, finish: string | null = null) => ({
  id: "msg_01",
  object: "chat.completion.chunk",
  created: 1767225600,
  model: "claude-sonnet-4-5",
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});

describe("anthropic adapter: Messages API answers -> OpenAI (golden)", () => {
  it("translates a message with text, thinking and tool_use blocks, with cache reads in usage", () => {
    const r = respond(false);
    if (r.mode !== "buffer") throw new Error("expected buffer");
    const msg = {
      id: "msg_01",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [
        { type: "thinking", thinking: "hmm", signature: "sig" },
        { type: "text", text: "Let me check." },
        { type: "tool_use", id: "toolu_A", name: "get_weather", input: { city: "Paris" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: {
        input_tokens: 50,
        cache_creation_input_tokens: 10,
        cache_read_input_tokens: 30,
        output_tokens: 42,
        output_tokens_details: { thinking_tokens: 7 },
      },
    };
    const out = r.finish(enc.encode(JSON.stringify(msg)));
    expect(out.status).toBe(200);
    expect(JSON.parse(dec.decode(out.body))).toEqual({
      id: "msg_01",
      object: "chat.completion",
      created: 1767225600,
      model: "claude-sonnet-4-5",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "Let me check.",
            refusal: null,
            tool_calls: [
              { id: "toolu_A", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            ],
          },
          logprobs: null,
          finish_reason: "tool_calls",
        },
      ],
      usage: {
        prompt_tokens: 90,
        completion_tokens: 42,
        total_tokens: 132,
        prompt_tokens_details: { cached_tokens: 30 },
        completion_tokens_details: { reasoning_tokens: 7 },
      },
    });
  });

  it("maps every stop reason", () => {
    expect(
      [
        "end_turn",
        "stop_sequence",
        "pause_turn",
        "max_tokens",
        "model_context_window_exceeded",
        "tool_use",
        "refusal",
      ].map(finishReasonOf),
    ).toEqual(["stop", "stop", "stop", "length", "length", "tool_calls", "content_filter"]);
  });

  it("streams text and every tool argument fragment as OpenAI chunks, whatever the chunking", () => {
    const r = respond(true);
    if (r.mode !== "pipe" || !r.transformer) throw new Error("expected a transformer");
    expect(r.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    const out = feedAllSplits(
      () => pipeTransformer(respond(true)),
      ANTHROPIC_STREAM,
      (a, b, how) => expect(a, how).toBe(b),
    );
    expect(sseEvents(out)).toEqual([
      [null, chunk({ role: "assistant", content: "" })],
      [null, chunk({ content: "Checking é🎉" })],
      [
        null,
        chunk({
          tool_calls: [{ index: 0, id: "toolu_A", type: "function", function: { name: "get_weather", arguments: "" } }],
        }),
      ],
      [null, chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city": "Par' } }] })],
      [null, chunk({ tool_calls: [{ index: 0, function: { arguments: 'is"}' } }] })],
      [
        null,
        chunk({
          tool_calls: [{ index: 1, id: "toolu_B", type: "function", function: { name: "get_time", arguments: "" } }],
        }),
      ],
      [null, chunk({ tool_calls: [{ index: 1, function: { arguments: '{"tz":"CET"}' } }] })],
      [null, chunk({}, "tool_calls")],
      [
        null,
        {
          ...chunk({}),
          choices: [],
          usage: {
            prompt_tokens: 80,
            completion_tokens: 42,
            total_tokens: 122,
            prompt_tokens_details: { cached_tokens: 30 },
          },
        },
      ],
      [null, "[DONE]"],
    ]);
  });

  it("turns Anthropic's error event into OpenAI's error data, and a cut stream into an error", () => {
    const t = () => pipeTransformer(respond(true));
    const err =
      'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n';
    const out = feedAllSplits(t, firstEvents(4) + err, (a, b, how) => expect(a, how).toBe(b));
    expect(sseEvents(out).at(-1)).toEqual([
      null,
      { error: { message: "Overloaded", type: "server_error", param: null, code: "overloaded" } },
    ]);
    const cut = feedAllSplits(t, ANTHROPIC_STREAM.slice(0, 700), (a, b, how) => expect(a, how).toBe(b));
    expect(sseEvents(cut).at(-1)?.[1]).toMatchObject({
      error: { message: "The upstream provider ended the stream before it was complete." },
    });
    expect(cut).not.toContain("[DONE]");
  });

  it("maps upstream errors: 529 overloaded to 503 for OpenAI clients, keeping retry-after; 401 without the upstream's words", () => {
    const body = { model: "m", messages: [{ role: "user", content: "hi" }] };
    const p = anthropicAdapter.prepare({ format: "openai", operation: "chat", body }, target);
    if (!p.ok) throw new Error("prepare failed");
    const over = p.value.respond({ status: 529, headers: { "retry-after": "3" } });
    if (over.mode !== "buffer") throw new Error("expected buffer");
    const o = over.finish(enc.encode('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'));
    expect([o.status, o.headers["retry-after"], JSON.parse(dec.decode(o.body)).error.message]).toEqual([
      503,
      "3",
      "Overloaded",
    ]);
    const auth = p.value.respond({ status: 401, headers: {} });
    if (auth.mode !== "buffer") throw new Error("expected buffer");
    const a = JSON.parse(
      dec.decode(
        auth.finish(
          enc.encode(
            '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key sk-ant-123"}}',
          ),
        ).body,
      ),
    );
    expect(a.error.message).not.toContain("sk-ant");
    expect(a.error.code).toBe("invalid_api_key");
  });
});
