import { describe, expect, it } from "vitest";
import type { ClientCall, PreparedCall, UpstreamTarget } from "../types.ts";
import { anthropicAdapter } from "./index.ts";

const target: UpstreamTarget = {
  basePath: "/v1",
  upstreamModel: "claude-sonnet-4-5",
  headers: anthropicAdapter.staticHeaders({
    id: "p",
    name: "a",
    kind: "openai",
    baseUrl: "",
    apiKey: "sk-ant",
    connectTimeoutMs: 1,
    firstByteTimeoutMs: 1,
    apiVersion: null,
    allowInternal: false,
  }),
};

function prepare(call: ClientCall): PreparedCall {
  const r = anthropicAdapter.prepare(call, target);
  if (!r.ok) throw new Error(new TextDecoder().decode(r.error.body));
  return r.value;
}
const openai = (body: Record<string, unknown>, strict = false): ClientCall => ({
  format: "openai",
  operation: "chat",
  body,
  strict,
});

describe("anthropic adapter: OpenAI request -> Messages API (golden)", () => {
  it("translates system prompts, multi-turn, images, parallel tool calls and results, tools, sampling and limits", () => {
    const p = prepare(
      openai({
        model: "alias",
        messages: [
          { role: "system", content: "You are terse." },
          { role: "developer", content: [{ type: "text", text: "Use metric units." }] },
          {
            role: "user",
            content: [
              { type: "text", text: "Weather here?" },
              { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
              { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
            ],
          },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
              { id: "toolu_2", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
            ],
          },
          { role: "tool", tool_call_id: "toolu_1", content: '{"temp":21}' },
          { role: "tool", tool_call_id: "toolu_2", content: [{ type: "text", text: '{"temp":4}' }] },
          { role: "user", content: "Thanks. Which is warmer?" },
        ],
        tools: [
          {
            type: "function",
            function: {
              name: "get_weather",
              description: "Weather",
              parameters: { type: "object", properties: { city: { type: "string" } } },
            },
          },
        ],
        tool_choice: "required",
        parallel_tool_calls: false,
        max_completion_tokens: 300,
        stop: "END",
        temperature: 0.3,
        top_p: 0.9,
        user: "user-42",
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    expect(p.request.path).toBe("/v1/messages");
    expect(p.request.headers).toMatchObject({ "x-api-key": "sk-ant", "anthropic-version": "2023-06-01" });
    expect(p.request.headers.authorization).toBeUndefined();
    expect(JSON.parse(p.request.body)).toEqual({
      model: "claude-sonnet-4-5",
      system: [
        { type: "text", text: "You are terse." },
        { type: "text", text: "Use metric units." },
      ],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Weather here?" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
            { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
            { type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "Oslo" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: '{"temp":21}' },
            { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "text", text: '{"temp":4}' }] },
            { type: "text", text: "Thanks. Which is warmer?" },
          ],
        },
      ],
      max_tokens: 300,
      stop_sequences: ["END"],
      temperature: 0.3,
      top_p: 0.9,
      metadata: { user_id: "user-42" },
      tools: [
        {
          name: "get_weather",
          description: "Weather",
          input_schema: { type: "object", properties: { city: { type: "string" } } },
        },
      ],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
      stream: true,
    });
  });

  it("maps every tool_choice, uses max_tokens or a default limit, and a single system prompt as a string", () => {
    const body = (extra: Record<string, unknown>) =>
      JSON.parse(
        prepare(
          openai({
            model: "m",
            messages: [
              { role: "system", content: "S" },
              { role: "user", content: "hi" },
            ],
            ...extra,
          }),
        ).request.body,
      );
    expect(body({ tool_choice: "auto" }).tool_choice).toEqual({ type: "auto" });
    expect(body({ tool_choice: "none" }).tool_choice).toEqual({ type: "none" });
    expect(body({ tool_choice: { type: "function", function: { name: "f" } } }).tool_choice).toEqual({
      type: "tool",
      name: "f",
    });
    expect(body({ parallel_tool_calls: false }).tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect(body({ max_tokens: 77 }).max_tokens).toBe(77);
    expect(body({}).max_tokens).toBe(4096);
    expect(body({}).system).toBe("S");
    expect(body({ stop: ["a", "b"] }).stop_sequences).toEqual(["a", "b"]);
  });

  it("turns response_format json_schema into one forced tool, and the tool call back into JSON content", () => {
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    const p = prepare(
      openai({
        model: "m",
        messages: [{ role: "user", content: "hi" }],
        response_format: { type: "json_schema", json_schema: { name: "a", schema } },
      }),
    );
    const sent = JSON.parse(p.request.body);
    expect(sent.tools).toEqual([
      { name: "json_response", description: "Respond with a JSON object as this tool's input.", input_schema: schema },
    ]);
    expect(sent.tool_choice).toEqual({ type: "tool", name: "json_response" });
    const res = p.respond({ status: 200, headers: { date: "Thu, 01 Jan 2026 00:00:00 GMT" } });
    if (res.mode !== "buffer") throw new Error("expected buffer");
    const upstream = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude",
      content: [{ type: "tool_use", id: "toolu_9", name: "json_response", input: { answer: "42" } }],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 3 },
    };
    const out = JSON.parse(
      new TextDecoder().decode(res.finish(new TextEncoder().encode(JSON.stringify(upstream))).body),
    );
    expect(out.choices[0]).toMatchObject({ message: { content: '{"answer":"42"}' }, finish_reason: "stop" });
    expect(out.choices[0].message.tool_calls).toBeUndefined();
    expect(out.created).toBe(1767225600);
  });

  it("reports and, in strict mode, rejects parameters Anthropic cannot honour; refuses what cannot be sent at all", () => {
    const body = {
      model: "m",
      messages: [{ role: "user", content: "hi", name: "bob" }],
      n: 2,
      logprobs: true,
      seed: 1,
      presence_penalty: 0.5,
      temperature: 1,
    };
    expect(anthropicAdapter.unsupportedParameters(openai(body))).toEqual([
      "n",
      "logprobs",
      "seed",
      "presence_penalty",
      "messages[0].name",
    ]);
    const strict = anthropicAdapter.prepare(openai(body, true), target);
    expect(strict.ok).toBe(false);
    if (strict.ok) return;
    expect(strict.error.status).toBe(400);
    expect(JSON.parse(new TextDecoder().decode(strict.error.body)).error).toMatchObject({
      type: "invalid_request_error",
      param: "n",
    });
    expect(anthropicAdapter.prepare(openai(body), target).ok).toBe(true);
    const audio = anthropicAdapter.prepare(
      openai({
        model: "m",
        messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "x", format: "wav" } }] }],
      }),
      target,
    );
    expect(audio.ok).toBe(false);
  });

  it("passes an Anthropic client's request through with only the model replaced and its version headers", () => {
    const body = {
      model: "alias",
      max_tokens: 10,
      messages: [{ role: "user", content: [{ type: "text", text: "hi", cache_control: { type: "ephemeral" } }] }],
      thinking: { type: "enabled", budget_tokens: 1024 },
    };
    const p = prepare({
      format: "anthropic",
      operation: "chat",
      body,
      headers: { "anthropic-version": "2026-10-21", "anthropic-beta": "x-2025" },
    });
    expect(JSON.parse(p.request.body)).toEqual({ ...body, model: "claude-sonnet-4-5" });
    expect(p.request.headers).toMatchObject({
      "anthropic-version": "2026-10-21",
      "anthropic-beta": "x-2025",
      "x-api-key": "sk-ant",
    });
    expect(anthropicAdapter.unsupportedParameters({ format: "anthropic", operation: "chat", body })).toEqual([]);
  });

  it("has no embeddings: a clear 400 in OpenAI's shape", () => {
    const r = anthropicAdapter.prepare(
      { format: "openai", operation: "embeddings", body: { model: "m", input: "x" } },
      target,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.status).toBe(400);
    expect(JSON.parse(new TextDecoder().decode(r.error.body)).error.message).toMatch(/no embeddings API/);
  });
});
