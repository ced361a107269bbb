import type { ProviderSpec } from "@switchyard/policy";
import { PROVIDER_KINDS } from "@switchyard/policy";
import { describe, expect, it } from "vitest";
import { providerFor } from "./provider-for.ts";
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
  };
}

function http(kind: string): HttpProviderAdapter {
  const a = providerFor(kind);
  if (a?.transport !== "http") throw new Error(`${kind} is not an http adapter`);
  return a;
}

describe("providerFor", () => {
  it("has an adapter for every known kind and none for unknown ones", () => {
    for (const kind of PROVIDER_KINDS) expect(providerFor(kind)?.kind).toBe(kind);
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

  it("openai-format transformers pass bytes through unchanged", () => {
    const t = http("openai").responseTransformer({ status: 200, stream: true });
    const bytes = new TextEncoder().encode("data: {}\n\n");
    expect(t.onChunk(bytes)).toBe(bytes);
    expect(t.onEnd()).toBeNull();
  });
});
