import type { ProviderSpec } from "@switchyard/policy";
import { PROVIDER_KINDS } from "@switchyard/policy";
import { describe, expect, it } from "vitest";
import { ADAPTER_KINDS } from "./kinds.ts";
import { adapterFor, providerFor } from "./provider-for.ts";
import type { HttpProviderAdapter } from "./types.ts";

function spec(kind: ProviderSpec["kind"], apiKey: string | null): ProviderSpec {
  return {
    id: "p1",
    name: "p",
    kind,
    baseUrl: "https://api.example.com/v1",
    apiKey,
    connectTimeoutMs: 1000,
    firstByteTimeoutMs: 1000,
    apiVersion: null,
  };
}

function http(kind: string): HttpProviderAdapter {
  const a = adapterFor(kind);
  if (a?.transport !== "http") throw new Error(`${kind} is not an http adapter`);
  return a;
}

describe("providerFor", () => {
  it("has an adapter for every known kind and none for unknown ones", () => {
    for (const kind of PROVIDER_KINDS) expect(providerFor(kind)?.kind).toBe(kind);
    for (const kind of ADAPTER_KINDS) expect(adapterFor(kind)?.kind).toBe(kind);
    // Implemented kinds are served only once policy lists them.
    for (const kind of ADAPTER_KINDS)
      expect(providerFor(kind) !== undefined).toBe((PROVIDER_KINDS as readonly string[]).includes(kind));
    expect(providerFor("anthropic-v9")).toBeUndefined();
    expect(providerFor("toString")).toBeUndefined();
  });

  it("openai kinds send the body with only model replaced, to <basePath>/chat/completions", () => {
    const a = http("openai");
    const headers = a.staticHeaders(spec("openai", "sk-up"));
    expect(headers.authorization).toBe("Bearer sk-up");
    const req = a.toUpstream(
      { model: "alias", messages: [{ role: "user", content: "hi" }], temperature: 0.2, stream: true, extra: { a: 1 } },
      { basePath: "/v1", upstreamModel: "gpt-4o-mini", headers },
    );
    expect(req.path).toBe("/v1/chat/completions");
    expect(req.headers).toBe(headers);
    expect(JSON.parse(req.body)).toEqual({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      temperature: 0.2,
      stream: true,
      extra: { a: 1 },
    });
  });

  it("openai requires a key; openai-compatible works without one and sends no authorization", () => {
    expect(http("openai").validate(spec("openai", null))).toMatch(/needs an API key/);
    expect(http("openai").validate(spec("openai", "k"))).toBeNull();
    expect(http("openai-compatible").validate(spec("openai-compatible", null))).toBeNull();
    expect(http("openai-compatible").staticHeaders(spec("openai-compatible", null)).authorization).toBeUndefined();
  });

  it("each kind sends its credential in its own header and requires a key where the provider does", () => {
    const h = (kind: string) => http(kind).staticHeaders(spec("openai", "k"));
    expect(h("anthropic")).toMatchObject({ "x-api-key": "k", "anthropic-version": "2023-06-01" });
    expect(h("gemini")).toMatchObject({ "x-goog-api-key": "k" });
    expect(h("azure-openai")).toMatchObject({ "api-key": "k" });
    expect(h("ollama")).toMatchObject({ authorization: "Bearer k" });
    for (const kind of ["anthropic", "gemini", "azure-openai"])
      expect(http(kind).validate(spec("openai", null))).toMatch(/needs an API key/);
    expect(http("ollama").validate(spec("openai", null))).toBeNull();
    expect(http("anthropic").passthrough).toBe(false);
  });

  it("openai-format transformers pass bytes through unchanged", () => {
    const t = http("openai").responseTransformer({ status: 200, stream: true });
    const bytes = new TextEncoder().encode("data: {}\n\n");
    expect(t.onChunk(bytes)).toBe(bytes);
    expect(t.onEnd()).toBeNull();
  });

  it("translating kinds also serve the older API the current proxy calls", () => {
    const a = http("anthropic");
    const target = { basePath: "/v1", upstreamModel: "claude", headers: {} };
    const req = a.toUpstream({ model: "alias", messages: [{ role: "user", content: "hi" }], stream: true }, target);
    expect(req.path).toBe("/v1/messages");
    expect(JSON.parse(req.body)).toMatchObject({ model: "claude", max_tokens: 4096, stream: true });
    expect(() => a.toUpstream({ model: "alias", messages: "nope" }, target)).toThrow(/messages/);
    const t = a.responseTransformer({ status: 200, stream: true, includeUsage: true });
    const sse = [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m1","model":"claude","usage":{"input_tokens":3,"output_tokens":1}}}\n\n',
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ].join("");
    const out = new TextDecoder().decode(t.onChunk(new TextEncoder().encode(sse)) ?? new Uint8Array());
    expect(out).toContain('"content":"Hi"');
    expect(out).toContain('"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}');
    expect(out.endsWith("data: [DONE]\n\n")).toBe(true);
    const e = a.responseTransformer({ status: 429, stream: false });
    e.onChunk(new TextEncoder().encode('{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}'));
    expect(JSON.parse(new TextDecoder().decode(e.onEnd() ?? new Uint8Array()))).toEqual({
      error: { message: "slow down", type: "requests", param: null, code: "rate_limit_exceeded" },
    });
  });
});
