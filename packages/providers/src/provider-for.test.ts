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
    allowInternal: false,
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
    const body = { model: "alias", messages: [{ role: "user", content: "hi" }], temperature: 0.2, extra: { a: 1 } };
    const r = a.prepare(
      { format: "openai", operation: "chat", body },
      { basePath: "/v1", upstreamModel: "gpt-4o-mini", headers },
    );
    if (!r.ok) throw new Error("refused");
    expect(r.value.request.path).toBe("/v1/chat/completions");
    expect(r.value.request.headers).toBe(headers);
    expect(JSON.parse(r.value.request.body)).toEqual({ ...body, model: "gpt-4o-mini" });
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
  });
});
