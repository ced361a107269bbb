import { describe, expect, it } from "vitest";
import { azureOpenAIAdapter } from "../azure-openai/index.ts";
import { openAIAdapter } from "../openai/index.ts";
import { openAICompatibleAdapter } from "../openai-compatible/index.ts";
import { feedAllSplits, finishJson, pipeTransformer, sseEvents } from "../testing/feed.ts";
import type { ClientCall, HttpProviderAdapter, PreparedCall, UpstreamTarget } from "../types.ts";

const spec = {
  id: "p",
  name: "x",
  kind: "openai" as const,
  baseUrl: "",
  apiKey: "sk-up",
  connectTimeoutMs: 1,
  firstByteTimeoutMs: 1,
  apiVersion: null,
  allowInternal: false,
};
const head = { status: 200, headers: {} };

function prepare(a: HttpProviderAdapter, call: ClientCall, target?: Partial<UpstreamTarget>): PreparedCall {
  const r = a.prepare(call, { basePath: "/v1", upstreamModel: "up-model", headers: a.staticHeaders(spec), ...target });
  if (!r.ok) throw new Error(new TextDecoder().decode(r.error.body));
  return r.value;
}

// OpenAI chunks as api.openai.com streams them with include_usage (usage: null on each chunk).
const OPENAI_STREAM = [
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}\n\n',
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"content":"Hi ü"},"finish_reason":null}],"usage":null}\n\n',
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]},"finish_reason":null}],"usage":null}\n\n',
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"a\\":"}}]},"finish_reason":null}],"usage":null}\n\n',
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]},"finish_reason":null}],"usage":null}\n\n',
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":null}\n\n',
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt","choices":[],"usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25,"prompt_tokens_details":{"cached_tokens":8}}}\n\n',
  "data: [DONE]\n\n",
].join("");

describe("OpenAI-format adapters (openai, openai-compatible, azure-openai)", () => {
  it("address OpenAI, compatible servers and Azure deployments with the right credentials", () => {
    const body = { model: "alias", messages: [{ role: "user", content: "hi" }] };
    const o = prepare(openAIAdapter, { format: "openai", operation: "chat", body });
    expect([o.request.path, o.request.headers.authorization]).toEqual(["/v1/chat/completions", "Bearer sk-up"]);
    const az = prepare(
      azureOpenAIAdapter,
      { format: "openai", operation: "chat", body },
      { basePath: "", upstreamModel: "my deployment" },
    );
    expect(az.request.path).toBe("/openai/deployments/my%20deployment/chat/completions?api-version=2024-10-21");
    expect(az.request.headers).toMatchObject({ "api-key": "sk-up" });
    expect(az.request.headers.authorization).toBeUndefined();
    const azv = prepare(
      azureOpenAIAdapter,
      { format: "openai", operation: "embeddings", body: { model: "a", input: "x" } },
      { basePath: "", apiVersion: "2025-04-01-preview" },
    );
    expect(azv.request.path).toBe("/openai/deployments/up-model/embeddings?api-version=2025-04-01-preview");
    expect(openAICompatibleAdapter.staticHeaders({ ...spec, apiKey: null }).authorization).toBeUndefined();
  });

  it("pass an OpenAI client's body through with the model replaced, asking for stream usage", () => {
    const body = {
      model: "alias",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      logit_bias: { "1": 2 },
      future_param: { x: 1 },
    };
    const p = prepare(openAIAdapter, { format: "openai", operation: "chat", body });
    expect(JSON.parse(p.request.body)).toEqual({ ...body, model: "up-model", stream_options: { include_usage: true } });
    expect(openAIAdapter.unsupportedParameters({ format: "openai", operation: "chat", body })).toEqual([]);
    const plain = prepare(openAIAdapter, { format: "openai", operation: "chat", body: { ...body, stream: false } });
    expect(JSON.parse(plain.request.body).stream_options).toBeUndefined();
    const r = plain.respond({ status: 200, headers: { "content-type": "application/json" } });
    expect(r).toMatchObject({ mode: "pipe", status: 200, transformer: null });
  });

  it("strip the usage chunk a client did not ask for, record usage, and keep every other event at any chunking", () => {
    const make = (includeUsage: boolean) => () => {
      const p = prepare(openAIAdapter, {
        format: "openai",
        operation: "chat",
        body: { model: "a", messages: [], stream: true, stream_options: { include_usage: includeUsage } },
      });
      return pipeTransformer(p.respond(head));
    };
    const withUsage = feedAllSplits(make(true), OPENAI_STREAM, (a, b, how) => expect(a, how).toBe(b));
    expect(withUsage).toBe(OPENAI_STREAM);
    const without = feedAllSplits(make(false), OPENAI_STREAM, (a, b, how) => expect(a, how).toBe(b));
    expect(without).toBe(
      OPENAI_STREAM.split("\n\n")
        .filter((e) => !e.includes('"choices":[]'))
        .join("\n\n"),
    );
    const p = prepare(openAIAdapter, {
      format: "openai",
      operation: "chat",
      body: { model: "a", messages: [], stream: true },
    });
    const t = pipeTransformer(p.respond(head));
    t.onChunk(new TextEncoder().encode(OPENAI_STREAM));
    t.onEnd();
    expect(p.usage()).toEqual({ inputTokens: 20, outputTokens: 5, cachedInputTokens: 8 });
  });

  it("end a stream cut before [DONE] with an error event the SDK raises", () => {
    const p = prepare(openAIAdapter, {
      format: "openai",
      operation: "chat",
      body: { model: "a", messages: [], stream: true },
    });
    const cut = OPENAI_STREAM.slice(0, OPENAI_STREAM.indexOf("tool_calls") + 5);
    const out = feedAllSplits(
      () => pipeTransformer(p.respond(head)),
      cut,
      (a, b, how) => expect(a, how).toBe(b),
    );
    expect(sseEvents(out).at(-1)?.[1]).toMatchObject({
      error: { type: "api_error", message: expect.stringMatching(/before it was complete/) },
    });
  });

  it("translate an Anthropic client's request (golden), naming what OpenAI's API cannot take", () => {
    const body = {
      model: "alias",
      max_tokens: 100,
      system: [{ type: "text", text: "Be kind.", cache_control: { type: "ephemeral" } }],
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "AAAA" } },
            { type: "text", text: "What is it?" },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Let me look." },
            { type: "tool_use", id: "toolu_1", name: "lookup", input: { q: "x" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: "found" },
            { type: "text", text: "And?" },
          ],
        },
      ],
      tools: [{ name: "lookup", description: "Look up", input_schema: { type: "object" } }],
      tool_choice: { type: "tool", name: "lookup", disable_parallel_tool_use: true },
      stop_sequences: ["###"],
      temperature: 0.5,
      top_k: 40,
      metadata: { user_id: "u-1" },
      stream: true,
    };
    const call: ClientCall = { format: "anthropic", operation: "chat", body };
    expect(JSON.parse(prepare(openAIAdapter, call).request.body)).toEqual({
      model: "up-model",
      messages: [
        { role: "system", content: "Be kind." },
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: "data:image/jpeg;base64,AAAA" } },
            { type: "text", text: "What is it?" },
          ],
        },
        {
          role: "assistant",
          content: "Let me look.",
          tool_calls: [{ id: "toolu_1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }],
        },
        { role: "tool", tool_call_id: "toolu_1", content: "found" },
        { role: "user", content: [{ type: "text", text: "And?" }] },
      ],
      max_completion_tokens: 100,
      stop: ["###"],
      temperature: 0.5,
      tools: [
        { type: "function", function: { name: "lookup", parameters: { type: "object" }, description: "Look up" } },
      ],
      tool_choice: { type: "function", function: { name: "lookup" } },
      parallel_tool_calls: false,
      user: "u-1",
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(openAIAdapter.unsupportedParameters(call)).toEqual(["system.0.cache_control", "top_k"]);
    expect(azureOpenAIAdapter.unsupportedParameters(call)).toEqual(["system.0.cache_control", "top_k"]);
    const compat = JSON.parse(prepare(openAICompatibleAdapter, call).request.body);
    expect([compat.max_tokens, compat.max_completion_tokens, compat.top_k]).toEqual([100, undefined, 40]);
    expect(openAICompatibleAdapter.unsupportedParameters(call)).toEqual(["system.0.cache_control"]);
    const strict = openAIAdapter.prepare({ ...call, strict: true }, { basePath: "", upstreamModel: "m", headers: {} });
    expect(strict.ok || JSON.parse(new TextDecoder().decode(strict.error.body))).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: expect.stringContaining("'system.0.cache_control', 'top_k'") },
    });
  });

  it("answer an Anthropic client in Messages format: a completion, and a stream at any chunking (golden)", () => {
    const call: ClientCall = {
      format: "anthropic",
      operation: "chat",
      body: { model: "a", max_tokens: 5, messages: [{ role: "user", content: "hi" }] },
    };
    const completion = {
      id: "chatcmpl-9",
      object: "chat.completion",
      created: 1,
      model: "gpt",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "Sure.",
            tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
          },
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25, prompt_tokens_details: { cached_tokens: 8 } },
    };
    expect(finishJson(prepare(openAIAdapter, call).respond(head), completion).json).toEqual({
      id: "chatcmpl-9",
      type: "message",
      role: "assistant",
      model: "gpt",
      content: [
        { type: "text", text: "Sure." },
        { type: "tool_use", id: "call_1", name: "f", input: { a: 1 } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 5, cache_read_input_tokens: 8 },
    });
    const streamCall = { ...call, body: { ...call.body, stream: true } };
    const out = feedAllSplits(
      () => pipeTransformer(prepare(openAIAdapter, streamCall).respond(head)),
      OPENAI_STREAM,
      (a, b, how) => expect(a, how).toBe(b),
    );
    expect(sseEvents(out)).toEqual([
      [
        "message_start",
        {
          type: "message_start",
          message: {
            id: "chatcmpl-1",
            type: "message",
            role: "assistant",
            model: "gpt",
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 0, output_tokens: 0 },
          },
        },
      ],
      ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }],
      ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hi ü" } }],
      ["content_block_stop", { type: "content_block_stop", index: 0 }],
      [
        "content_block_start",
        {
          type: "content_block_start",
          index: 1,
          content_block: { type: "tool_use", id: "call_1", name: "f", input: {} },
        },
      ],
      [
        "content_block_delta",
        { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"a":' } },
      ],
      [
        "content_block_delta",
        { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "1}" } },
      ],
      ["content_block_stop", { type: "content_block_stop", index: 1 }],
      [
        "message_delta",
        {
          type: "message_delta",
          delta: { stop_reason: "tool_use", stop_sequence: null },
          usage: { input_tokens: 12, output_tokens: 5, cache_read_input_tokens: 8 },
        },
      ],
      ["message_stop", { type: "message_stop" }],
    ]);
  });
});
