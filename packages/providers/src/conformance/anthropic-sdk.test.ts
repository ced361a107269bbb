import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEXT_SCRIPT, TOOL_SCRIPT } from "../../../../test/fakes/fake-script.ts";
import { HTTP_KINDS, type ProviderSetup, startProviderSetup } from "../../../../test/fakes/provider-setups.ts";

// The official @anthropic-ai/sdk against every HTTP provider kind: Anthropic upstreams pass through,
// every other kind is translated both ways, streams included (cut at random byte positions).

const tools = [
  {
    name: "get_weather",
    description: "Weather for a city",
    input_schema: { type: "object" as const, properties: { city: { type: "string" } } },
  },
];
const params = {
  model: "alias",
  max_tokens: 256,
  messages: [{ role: "user" as const, content: "What is the weather in Paris and Tokyo?" }],
};

/** Cached input tokens are reported by every fake except Ollama's (Ollama has no prompt cache counter). */
const cachedOf = (kind: string) => (kind === "ollama" ? 0 : 16);

describe.each(Object.keys(HTTP_KINDS) as (keyof typeof HTTP_KINDS)[])(
  "@anthropic-ai/sdk through the %s adapter",
  (kind) => {
    let s: ProviderSetup;
    let client: Anthropic;
    beforeAll(async () => {
      s = await startProviderSetup(kind);
      client = new Anthropic({ apiKey: "gateway-key", baseURL: s.gateway.anthropicBaseURL, maxRetries: 0 });
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

    it("answers a message with text, stop reason and usage", async () => {
      reset();
      const m = await client.messages.create(params);
      expect(m.content).toEqual([expect.objectContaining({ type: "text", text: TEXT_SCRIPT.text })]);
      expect(m.stop_reason).toBe("end_turn");
      expect(m.usage).toMatchObject({ input_tokens: 12, output_tokens: 9 });
    });

    it("returns parallel tool_use blocks with their inputs, and sends the system prompt and tools upstream", async () => {
      s.fake.setBehavior({ script: TOOL_SCRIPT });
      const m = await client.messages.create({ ...params, system: "Be brief.", tools });
      const uses = m.content.filter((b) => b.type === "tool_use");
      expect(m.stop_reason).toBe("tool_use");
      expect(uses.map((b) => b.type === "tool_use" && b.input)).toEqual(TOOL_SCRIPT.toolCalls.map((t) => t.arguments));
      expect(m.usage.input_tokens + (m.usage.cache_read_input_tokens ?? 0)).toBe(80);
      expect(JSON.stringify(s.fake.requests.at(-1)?.body)).toContain("Be brief.");
      expect(JSON.stringify(s.fake.requests.at(-1)?.body)).toContain("get_weather");
    });

    it("streams text and tool_use input deltas cut at random bytes into the same final message", async () => {
      for (const seed of [11, 12, 13]) {
        s.fake.setBehavior({ script: TOOL_SCRIPT, splitSeed: seed });
        const stream = client.messages.stream({ ...params, tools });
        let text = "";
        stream.on("text", (t) => {
          text += t;
        });
        const m = await stream.finalMessage();
        expect(text).toBe(TOOL_SCRIPT.text);
        expect(m.stop_reason).toBe("tool_use");
        const uses = m.content.filter((b) => b.type === "tool_use");
        expect(uses.map((b) => b.type === "tool_use" && [b.name, b.input])).toEqual(
          TOOL_SCRIPT.toolCalls.map((t) => [t.name, t.arguments]),
        );
        expect(m.usage).toMatchObject({ input_tokens: 80 - cachedOf(kind), output_tokens: 40 });
      }
    });

    it("continues a tool conversation: tool_result blocks reach the upstream as that provider's tool results", async () => {
      reset();
      const m = await client.messages.create({
        ...params,
        tools,
        messages: [
          params.messages[0]!,
          {
            role: "assistant",
            content: [{ type: "tool_use", id: "call_x_0", name: "get_weather", input: { city: "Paris" } }],
          },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "call_x_0", content: '{"temp":21}' }] },
        ],
      });
      expect(m.content[0]).toMatchObject({ type: "text", text: TEXT_SCRIPT.text });
      const sent = JSON.stringify(s.fake.requests.at(-1)?.body);
      expect(sent).toContain("temp");
      expect(sent).toContain("get_weather");
    });

    it("raises RateLimitError with retry-after, and OverloadedError (529) for an overloaded upstream", async () => {
      s.fake.setBehavior({ fail: { status: 429, count: 1, retryAfterSeconds: 5 } });
      const e = (await client.messages.create(params).catch((x: unknown) => x)) as InstanceType<
        typeof Anthropic.RateLimitError
      >;
      expect(e).toBeInstanceOf(Anthropic.RateLimitError);
      if (kind !== "ollama") expect(e.headers?.get("retry-after")).toBe("5");
      s.fake.setBehavior({ fail: { status: kind === "anthropic" ? 529 : 503, count: 1, retryAfterSeconds: 1 } });
      const o = await client.messages.create(params).catch((x: unknown) => x);
      expect(o).toBeInstanceOf(Anthropic.InternalServerError);
      expect((o as { status: number }).status).toBe(529);
    });

    it("raises an error event, not a silent end, when the upstream fails or breaks off mid-stream", async () => {
      s.fake.setBehavior({ fail: null, streamErrorAfter: 3 });
      await expect(client.messages.stream(params).finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError);
      s.fake.setBehavior({ streamErrorAfter: null, truncateAfter: 3 });
      await expect(client.messages.stream(params).finalMessage()).rejects.toThrow(
        /ended the stream before it was complete/,
      );
    });
  },
);
