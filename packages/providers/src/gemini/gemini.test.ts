import { describe, expect, it } from "vitest";
import { feedAllSplits, finishJson, pipeTransformer, sseEvents } from "../testing/feed.ts";
import type { ClientCall, PreparedCall } from "../types.ts";
import { geminiAdapter } from "./index.ts";
import { geminiToolCallId, thoughtSignatureOf } from "./tool-call-id.ts";

const spec = {
  id: "p",
  name: "g",
  kind: "openai" as const,
  baseUrl: "",
  apiKey: "AIza-secret",
  connectTimeoutMs: 1,
  firstByteTimeoutMs: 1,
  apiVersion: null,
  allowInternal: false,
};
const target = { basePath: "/v1beta", upstreamModel: "gemini-2.5-flash", headers: geminiAdapter.staticHeaders(spec) };
const head = { status: 200, headers: { date: "Thu, 01 Jan 2026 00:00:00 GMT" } };

function prepare(call: ClientCall): PreparedCall {
  const r = geminiAdapter.prepare(call, target);
  if (!r.ok) throw new Error(new TextDecoder().decode(r.error.body));
  return r.value;
}
const chat = (body: Record<string, unknown>): ClientCall => ({
  format: "openai",
  operation: "chat",
  body: { model: "alias", ...body },
});

// streamGenerateContent?alt=sse as Gemini writes it: CRLF-separated events, usage on each, the function
// calls whole in the last event with a thought signature on the first.
const GEMINI_STREAM = [
  'data: {"candidates":[{"content":{"parts":[{"text":"Checking "}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":30,"candidatesTokenCount":2,"totalTokenCount":32},"modelVersion":"gemini-2.5-flash","responseId":"resp-1"}\r\n\r\n',
  'data: {"candidates":[{"content":{"parts":[{"text":"both. 東京"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":30,"candidatesTokenCount":4,"totalTokenCount":34},"modelVersion":"gemini-2.5-flash","responseId":"resp-1"}\r\n\r\n',
  'data: {"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"c2lnKy8="},{"functionCall":{"name":"get_weather","args":{"city":"東京"}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":30,"candidatesTokenCount":20,"cachedContentTokenCount":10,"thoughtsTokenCount":6,"totalTokenCount":56},"modelVersion":"gemini-2.5-flash","responseId":"resp-1"}\r\n\r\n',
].join("");

describe("gemini adapter (golden)", () => {
  it("translates an OpenAI request: system, turns, images, audio, tools, tool results, JSON schema, sampling", () => {
    const sigId = geminiToolCallId("resp-0", 0, "c2lnKy8=");
    const p = prepare(
      chat({
        messages: [
          { role: "system", content: "Be brief." },
          {
            role: "user",
            content: [
              { type: "text", text: "Look:" },
              { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
              { type: "image_url", image_url: { url: "https://x.test/a.webp" } },
              { type: "input_audio", input_audio: { data: "UklG", format: "wav" } },
            ],
          },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: sigId, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
              { id: "call_2", type: "function", function: { name: "get_time", arguments: "{}" } },
            ],
          },
          { role: "tool", tool_call_id: sigId, content: '{"temp":21}' },
          { role: "tool", tool_call_id: "call_2", content: "noon" },
        ],
        tools: [
          {
            type: "function",
            function: {
              name: "get_weather",
              description: "Weather",
              parameters: { type: "object", properties: { city: { type: "string" } }, additionalProperties: false },
            },
          },
        ],
        tool_choice: { type: "function", function: { name: "get_weather" } },
        response_format: { type: "json_schema", json_schema: { name: "r", schema: { type: "object" } } },
        temperature: 0.2,
        top_p: 0.8,
        max_completion_tokens: 500,
        stop: ["END"],
        n: 2,
        seed: 7,
      }),
    );
    expect(p.request.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(p.request.headers["x-goog-api-key"]).toBe("AIza-secret");
    expect(p.request.path).not.toContain("AIza");
    expect(JSON.parse(p.request.body)).toEqual({
      contents: [
        {
          role: "user",
          parts: [
            { text: "Look:" },
            { inlineData: { mimeType: "image/png", data: "AAAA" } },
            { fileData: { mimeType: "image/webp", fileUri: "https://x.test/a.webp" } },
            { inlineData: { mimeType: "audio/wav", data: "UklG" } },
          ],
        },
        {
          role: "model",
          parts: [
            { functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: "c2lnKy8=" },
            { functionCall: { name: "get_time", args: {} } },
          ],
        },
        {
          role: "user",
          parts: [
            { functionResponse: { name: "get_weather", response: { temp: 21 } } },
            { functionResponse: { name: "get_time", response: { output: "noon" } } },
          ],
        },
      ],
      systemInstruction: { parts: [{ text: "Be brief." }] },
      tools: [
        {
          functionDeclarations: [
            {
              name: "get_weather",
              description: "Weather",
              parametersJsonSchema: {
                type: "object",
                properties: { city: { type: "string" } },
                additionalProperties: false,
              },
            },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] } },
      generationConfig: {
        temperature: 0.2,
        topP: 0.8,
        maxOutputTokens: 500,
        stopSequences: ["END"],
        candidateCount: 2,
        seed: 7,
        responseMimeType: "application/json",
        responseJsonSchema: { type: "object" },
      },
    });
    expect(prepare(chat({ messages: [], stream: true })).request.path).toBe(
      "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
    );
    expect(
      geminiAdapter.unsupportedParameters(
        chat({ messages: [], logit_bias: {}, parallel_tool_calls: false, user: "u" }),
      ),
    ).toEqual(["logit_bias", "parallel_tool_calls", "user"]);
  });

  it("carries thought signatures through tool call ids", () => {
    const id = geminiToolCallId("r-1", 3, "ab+/cd==");
    expect(id).toMatch(/^call_r1_3__ts__[A-Za-z0-9_-]+$/);
    expect(thoughtSignatureOf(id)).toBe("ab+/cd==");
    expect(thoughtSignatureOf("call_plain")).toBeUndefined();
  });

  it("translates a response with candidates, function calls, thoughts and usage; a blocked prompt is content_filter", () => {
    const body = {
      candidates: [
        {
          content: {
            parts: [
              { text: "thinking…", thought: true },
              { text: "Hi" },
              { functionCall: { name: "f", args: { a: 1 } } },
            ],
            role: "model",
          },
          finishReason: "STOP",
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount: 10,
        candidatesTokenCount: 4,
        thoughtsTokenCount: 3,
        cachedContentTokenCount: 2,
        totalTokenCount: 17,
      },
      modelVersion: "gemini-2.5-flash",
      responseId: "r9",
    };
    expect(finishJson(prepare(chat({ messages: [] })).respond(head), body).json).toEqual({
      id: "r9",
      object: "chat.completion",
      created: 1767225600,
      model: "gemini-2.5-flash",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "Hi",
            refusal: null,
            tool_calls: [{ id: "call_r9_0", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
          },
          logprobs: null,
          finish_reason: "tool_calls",
        },
      ],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 7,
        total_tokens: 17,
        prompt_tokens_details: { cached_tokens: 2 },
        completion_tokens_details: { reasoning_tokens: 3 },
      },
    });
    const blocked = finishJson(prepare(chat({ messages: [] })).respond(head), {
      promptFeedback: { blockReason: "SAFETY" },
      usageMetadata: { promptTokenCount: 5 },
    }).json as { choices: unknown[] };
    expect(blocked.choices).toEqual([
      {
        index: 0,
        message: { role: "assistant", content: null, refusal: null },
        logprobs: null,
        finish_reason: "content_filter",
      },
    ]);
  });

  it("streams text and whole function calls as OpenAI chunks at any chunking, usage last", () => {
    const make = () =>
      pipeTransformer(
        prepare(chat({ messages: [], stream: true, stream_options: { include_usage: true } })).respond(head),
      );
    const out = feedAllSplits(make, GEMINI_STREAM, (a, b, how) => expect(a, how).toBe(b));
    const sig = geminiToolCallId("resp-1", 0, "c2lnKy8=");
    const c = (delta: unknown, finish: string | null = null) => ({
      id: "resp-1",
      object: "chat.completion.chunk",
      created: 1767225600,
      model: "gemini-2.5-flash",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    expect(sseEvents(out)).toEqual([
      [null, c({ role: "assistant", content: "" })],
      [null, c({ content: "Checking " })],
      [null, c({ content: "both. 東京" })],
      [
        null,
        c({
          tool_calls: [
            { index: 0, id: sig, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            {
              index: 1,
              id: "call_resp1_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"東京"}' },
            },
          ],
        }),
      ],
      [null, c({}, "tool_calls")],
      [
        null,
        {
          ...c({}),
          choices: [],
          usage: {
            prompt_tokens: 30,
            completion_tokens: 26,
            total_tokens: 56,
            prompt_tokens_details: { cached_tokens: 10 },
            completion_tokens_details: { reasoning_tokens: 6 },
          },
        },
      ],
      [null, "[DONE]"],
    ]);
    const cut = feedAllSplits(make, GEMINI_STREAM.slice(0, GEMINI_STREAM.lastIndexOf("data:")), (a, b, how) =>
      expect(a, how).toBe(b),
    );
    expect(sseEvents(cut).at(-1)?.[1]).toMatchObject({
      error: { message: expect.stringMatching(/before it was complete/) },
    });
  });

  it("maps Gemini errors: RetryInfo becomes retry-after; 503 UNAVAILABLE is Anthropic's 529 overloaded_error", () => {
    const err = {
      error: {
        code: 429,
        message: "Quota exceeded",
        status: "RESOURCE_EXHAUSTED",
        details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "37s" }],
      },
    };
    const r = finishJson(prepare(chat({ messages: [] })).respond({ status: 429, headers: {} }), err);
    expect([r.status, r.headers["retry-after"], (r.json as { error: { code: string } }).error.code]).toEqual([
      429,
      "37",
      "rate_limit_exceeded",
    ]);
    const anth = prepare({ format: "anthropic", operation: "chat", body: { model: "a", max_tokens: 1, messages: [] } });
    const o = finishJson(anth.respond({ status: 503, headers: {} }), {
      error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" },
    });
    expect([o.status, o.json]).toEqual([
      529,
      { type: "error", error: { type: "overloaded_error", message: "The model is overloaded." } },
    ]);
  });

  it("embeds through batchEmbedContents and answers in OpenAI's list, as floats or base64", () => {
    const p = prepare({
      format: "openai",
      operation: "embeddings",
      body: { model: "a", input: ["x", "y"], dimensions: 3, encoding_format: "base64" },
    });
    expect(p.request.path).toBe("/v1beta/models/gemini-2.5-flash:batchEmbedContents");
    expect(JSON.parse(p.request.body)).toEqual({
      requests: ["x", "y"].map((text) => ({
        model: "models/gemini-2.5-flash",
        content: { parts: [{ text }] },
        outputDimensionality: 3,
      })),
    });
    const out = finishJson(p.respond(head), { embeddings: [{ values: [1, 0.5, -2] }, { values: [0, 0, 0] }] }).json as {
      data: { embedding: string }[];
    };
    expect(out.data[0]?.embedding).toBe(Buffer.from(new Float32Array([1, 0.5, -2]).buffer).toString("base64"));
    const tokens = geminiAdapter.prepare(
      { format: "openai", operation: "embeddings", body: { model: "a", input: [1, 2, 3] } },
      target,
    );
    expect(tokens.ok).toBe(false);
  });
});
