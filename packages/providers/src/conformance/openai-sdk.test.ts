import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEXT_SCRIPT, TOOL_SCRIPT } from "../../../../test/fakes/fake-script.ts";
import { HTTP_KINDS, type ProviderSetup, startProviderSetup } from "../../../../test/fakes/provider-setups.ts";

// The official openai SDK against every HTTP provider kind: the adapter translates the request, the fake
// answers in the provider's real wire format (cut at random byte positions when streaming), and the
// adapter's transformer turns it back into OpenAI's format. No part of the HTTP path is mocked.

const tools = [
  {
    type: "function" as const,
    function: {
      name: "get_weather",
      description: "Weather for a city",
      parameters: { type: "object", properties: { city: { type: "string" } } },
    },
  },
];
const messages = [{ role: "user" as const, content: "What is the weather in Paris and Tokyo?" }];

describe.each(Object.keys(HTTP_KINDS) as (keyof typeof HTTP_KINDS)[])("openai SDK through the %s adapter", (kind) => {
  let s: ProviderSetup;
  let client: OpenAI;
  beforeAll(async () => {
    s = await startProviderSetup(kind);
    client = new OpenAI({ apiKey: "gateway-key", baseURL: s.gateway.openaiBaseURL, maxRetries: 0 });
  });
  afterAll(() => s.close());
  const reset = () =>
    s.fake.setBehavior({
      script: TEXT_SCRIPT,
      fail: null,
      streamErrorAfter: null,
      truncateAfter: null,
      splitSeed: null,
    });

  it("answers a plain chat completion with content, finish reason and usage", async () => {
    reset();
    const c = await client.chat.completions.create({ model: "alias", messages });
    expect(c.choices[0]?.message.content).toBe(TEXT_SCRIPT.text);
    expect(c.choices[0]?.finish_reason).toBe("stop");
    expect(c.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 });
  });

  it("returns parallel tool calls non-streamed, arguments intact", async () => {
    s.fake.setBehavior({ script: TOOL_SCRIPT });
    const c = await client.chat.completions.create({ model: "alias", messages, tools });
    const calls = c.choices[0]?.message.tool_calls ?? [];
    expect(c.choices[0]?.finish_reason).toBe("tool_calls");
    expect(calls.map((tc) => tc.type === "function" && JSON.parse(tc.function.arguments))).toEqual(
      TOOL_SCRIPT.toolCalls.map((t) => t.arguments),
    );
    expect(new Set(calls.map((tc) => tc.id)).size).toBe(2);
    expect(c.usage).toMatchObject({ prompt_tokens: 80, completion_tokens: 40 });
  });

  it("streams text and parallel tool-call argument deltas cut at random bytes, with usage when asked", async () => {
    for (const seed of [1, 2, 3, 4]) {
      s.fake.setBehavior({ script: TOOL_SCRIPT, splitSeed: seed });
      const stream = await client.chat.completions.create({
        model: "alias",
        messages,
        tools,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      const args: string[] = [];
      const names: string[] = [];
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | null | undefined = null;
      for await (const ch of stream) {
        text += ch.choices[0]?.delta.content ?? "";
        for (const tc of ch.choices[0]?.delta.tool_calls ?? []) {
          args[tc.index] = (args[tc.index] ?? "") + (tc.function?.arguments ?? "");
          if (tc.function?.name) names[tc.index] = tc.function.name;
        }
        finish = ch.choices[0]?.finish_reason ?? finish;
        if (ch.usage) usage = ch.usage;
      }
      expect(text).toBe(TOOL_SCRIPT.text);
      expect(args.map((a) => JSON.parse(a))).toEqual(TOOL_SCRIPT.toolCalls.map((t) => t.arguments));
      expect(names).toEqual(["get_weather", "get_weather"]);
      expect(finish).toBe("tool_calls");
      expect(usage).toMatchObject({ prompt_tokens: 80, completion_tokens: 40 });
      // Ollama reports no cache counter; the others report 16 cached tokens, OpenAI-format ones reasoning 0.
      expect(usage?.prompt_tokens_details?.cached_tokens).toBe(kind === "ollama" ? undefined : 16);
      if (kind === "openai" || kind === "openai-compatible" || kind === "azure-openai") {
        expect(usage?.completion_tokens_details?.reasoning_tokens).toBe(0);
      }
    }
  });

  it("sends no usage chunk to a client that did not ask, though the upstream was asked", async () => {
    s.fake.setBehavior({ script: TEXT_SCRIPT, splitSeed: 7 });
    const stream = await client.chat.completions.create({ model: "alias", messages, stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const ch of stream) chunks.push(ch);
    expect(chunks.some((c) => c.choices.length === 0 && c.usage)).toBe(false);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe(TEXT_SCRIPT.text);
  });

  it("raises RateLimitError with the upstream's retry-after, and a server error class for overload", async () => {
    s.fake.setBehavior({ fail: { status: 429, count: 1, retryAfterSeconds: 7 } });
    const e = (await client.chat.completions
      .create({ model: "alias", messages })
      .catch((x: unknown) => x)) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e).toBeInstanceOf(OpenAI.RateLimitError);
    // Ollama sends no retry hint; Gemini's comes from the RetryInfo in its body.
    expect(e.headers?.get("retry-after")).toBe(kind === "ollama" ? null : "7");
    s.fake.setBehavior({ fail: { status: kind === "anthropic" ? 529 : 503, count: 1, retryAfterSeconds: 1 } });
    const o = (await client.chat.completions
      .create({ model: "alias", messages })
      .catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(o).toBeInstanceOf(OpenAI.InternalServerError);
    expect(o.status).toBe(503);
  });

  it("raises an error, not a silent end, when the upstream fails or breaks off mid-stream", async () => {
    s.fake.setBehavior({ fail: null, streamErrorAfter: 3 });
    const read = async () => {
      for await (const _ of await client.chat.completions.create({ model: "alias", messages, stream: true })) void _;
    };
    await expect(read()).rejects.toBeInstanceOf(OpenAI.APIError);
    s.fake.setBehavior({ streamErrorAfter: null, truncateAfter: 3 });
    await expect(read()).rejects.toThrow(/ended the stream before it was complete/);
  });

  it("serves embeddings where the provider has them, and answers 400 where it does not", async () => {
    reset();
    if (kind === "anthropic") {
      await expect(client.embeddings.create({ model: "alias", input: "x" })).rejects.toBeInstanceOf(
        OpenAI.BadRequestError,
      );
      return;
    }
    const e = await client.embeddings.create({ model: "alias", input: ["first", "second"] });
    expect(e.data.map((d) => d.index)).toEqual([0, 1]);
    expect(e.data[0]?.embedding).toHaveLength(4);
  });
});
