import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEXT_SCRIPT, TOOL_SCRIPT } from "../fakes/fake-script.ts";
import { HTTP_KINDS, UPSTREAM_KEY } from "../fakes/provider-setups.ts";
import { eventually } from "../harness/index.ts";
import {
  AZURE_API_VERSION,
  aliasOf,
  HTTP_KIND_LIST,
  INTERNAL_REFUSED_ALIAS,
  type ProviderGateway,
  startProviderGateway,
  WRONG_CREDENTIAL_KINDS,
} from "./providers/provider-gateway.ts";

/**
 * Every provider kind through the real product: providers and routes configured through the admin API,
 * pushed to a real data plane, and driven with the official `openai` and `@anthropic-ai/sdk` clients in
 * front of fakes that speak each provider's wire format.
 */
describe("provider kinds end to end: admin API -> data plane -> fake upstreams, official SDKs", () => {
  let gw: ProviderGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;
  const messages = [{ role: "user" as const, content: "What is the weather in Paris and Tokyo?" }];
  const tools = [
    {
      type: "function" as const,
      function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
    },
  ];
  const reset = () => {
    for (const f of Object.values(gw.fakes))
      f.setBehavior({ script: TEXT_SCRIPT, fail: null, streamErrorAfter: null, truncateAfter: null, splitSeed: null });
  };

  beforeAll(async () => {
    gw = await startProviderGateway();
    openai = new OpenAI({ apiKey: gw.apiKey, baseURL: gw.openaiBaseURL, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: gw.apiKey, baseURL: gw.anthropicBaseURL, maxRetries: 0 });
  }, 120_000);
  afterAll(async () => {
    await gw?.close();
  });

  it("answers plain and streamed chat from every kind, to the openai client", async () => {
    reset();
    for (const kind of [...HTTP_KIND_LIST, "mock"]) {
      const model = aliasOf(kind);
      const c = await openai.chat.completions.create({ model, messages });
      const text = c.choices[0]?.message.content ?? "";
      if (kind === "mock") expect(text).toMatch(/mock reply from mock-1/);
      else {
        expect(text, kind).toBe(TEXT_SCRIPT.text);
        expect(c.usage, kind).toMatchObject({ prompt_tokens: 12, completion_tokens: 9 });
      }
      const stream = await openai.chat.completions.create({
        model,
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      let streamed = "";
      let usage: OpenAI.CompletionUsage | null | undefined = null;
      for await (const ch of stream) {
        streamed += ch.choices[0]?.delta.content ?? "";
        if (ch.usage) usage = ch.usage;
      }
      expect(streamed, kind).toBe(text);
      expect(usage?.total_tokens, kind).toBeGreaterThan(0);
    }
    // Each fake was addressed as its provider expects, with the provider's credential and upstream model.
    const azure = gw.fakes["azure-openai"].requests.at(-1);
    expect(azure?.url).toBe(
      `/openai/deployments/${HTTP_KINDS["azure-openai"].model}/chat/completions?api-version=${AZURE_API_VERSION}`,
    );
    expect(azure?.headers["api-key"]).toBe(UPSTREAM_KEY);
    expect(gw.fakes.anthropic.requests.at(-1)?.headers["x-api-key"]).toBe(UPSTREAM_KEY);
    for (const kind of HTTP_KIND_LIST) {
      const seen = JSON.stringify(gw.fakes[kind].requests.at(-1)?.headers);
      expect(seen, kind).not.toContain(gw.apiKey);
    }
  });

  it("streams parallel tool calls from every HTTP kind, every argument fragment intact", async () => {
    for (const kind of HTTP_KIND_LIST) {
      reset();
      gw.fakes[kind].setBehavior({ script: TOOL_SCRIPT, splitSeed: 5 });
      const stream = await openai.chat.completions.create({ model: aliasOf(kind), messages, tools, stream: true });
      const args: string[] = [];
      let finish: string | null = null;
      for await (const ch of stream) {
        for (const tc of ch.choices[0]?.delta.tool_calls ?? [])
          args[tc.index] = (args[tc.index] ?? "") + (tc.function?.arguments ?? "");
        finish = ch.choices[0]?.finish_reason ?? finish;
      }
      expect(
        args.map((a) => JSON.parse(a)),
        kind,
      ).toEqual(TOOL_SCRIPT.toolCalls.map((t) => t.arguments));
      expect(finish, kind).toBe("tool_calls");
    }
  });

  it("serves embeddings where the provider has them, and a 400 on anthropic", async () => {
    reset();
    for (const kind of [...HTTP_KIND_LIST, "mock"]) {
      if (kind === "anthropic") {
        const e = await openai.embeddings.create({ model: aliasOf(kind), input: "x" }).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(OpenAI.BadRequestError);
        continue;
      }
      const r = await openai.embeddings.create({ model: aliasOf(kind), input: ["first", "second"] });
      expect(
        r.data.map((d) => d.index),
        kind,
      ).toEqual([0, 1]);
      expect(r.data[0]?.embedding.length, kind).toBeGreaterThan(0);
    }
  });

  it("passes an upstream 429 and its retry-after to both SDKs", async () => {
    reset();
    gw.fakes.openai.setBehavior({ fail: { status: 429, count: 1, retryAfterSeconds: 7 } });
    const e = (await openai.chat.completions
      .create({ model: aliasOf("openai"), messages })
      .catch((x: unknown) => x)) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e).toBeInstanceOf(OpenAI.RateLimitError);
    expect(e.headers?.get("retry-after")).toBe("7");

    gw.fakes.anthropic.setBehavior({ fail: { status: 429, count: 1, retryAfterSeconds: 9 } });
    const a = (await anthropic.messages
      .create({ model: aliasOf("anthropic"), max_tokens: 64, messages })
      .catch((x: unknown) => x)) as InstanceType<typeof Anthropic.RateLimitError>;
    expect(a).toBeInstanceOf(Anthropic.RateLimitError);
    expect(a.headers?.get("retry-after")).toBe("9");
  });

  it("serves an Anthropic client from an OpenAI upstream and an OpenAI client from an Anthropic upstream", async () => {
    reset();
    const m = await anthropic.messages.create({ model: aliasOf("openai"), max_tokens: 64, messages });
    expect(m.content).toEqual([expect.objectContaining({ type: "text", text: TEXT_SCRIPT.text })]);
    expect(m.usage).toMatchObject({ input_tokens: 12, output_tokens: 9 });
    expect(gw.fakes.openai.requests.at(-1)?.url).toBe("/v1/chat/completions");
    const streamed = await anthropic.messages
      .stream({ model: aliasOf("openai"), max_tokens: 64, messages })
      .finalMessage();
    expect(streamed.content).toEqual([expect.objectContaining({ type: "text", text: TEXT_SCRIPT.text })]);

    const c = await openai.chat.completions.create({ model: aliasOf("anthropic"), messages });
    expect(c.choices[0]?.message.content).toBe(TEXT_SCRIPT.text);
    expect(gw.fakes.anthropic.requests.at(-1)?.url).toBe("/v1/messages");

    // And every other kind behind /v1/messages, streamed.
    for (const kind of [...HTTP_KIND_LIST, "mock"]) {
      const s = await anthropic.messages.stream({ model: aliasOf(kind), max_tokens: 64, messages }).finalMessage();
      const text = s.content[0]?.type === "text" ? s.content[0].text : "";
      if (kind === "mock") expect(text).toMatch(/mock reply from mock-1/);
      else expect(text, kind).toBe(TEXT_SCRIPT.text);
    }
  });

  it("answers 400 naming the parameter on a strict route, sending nothing upstream", async () => {
    reset();
    const before = gw.fakes.anthropic.requests.length;
    const e = (await openai.chat.completions
      .create({ model: "strict-anthropic", messages, seed: 42 })
      .catch((x: unknown) => x)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e.param).toBe("seed");
    expect(e.message).toContain("'seed'");
    expect(gw.fakes.anthropic.requests.length).toBe(before);
    // The same request on the non-strict route is served, the parameter dropped.
    const ok = await openai.chat.completions.create({ model: aliasOf("anthropic"), messages, seed: 42 });
    expect(ok.choices[0]?.message.content).toBe(TEXT_SCRIPT.text);
    expect(gw.fakes.anthropic.requests.at(-1)?.body).not.toHaveProperty("seed");
  });

  it("answers /v1/messages errors in Anthropic's shape and accepts x-api-key", async () => {
    const wrong = new Anthropic({ apiKey: "sk-sy-wrong", baseURL: gw.anthropicBaseURL, maxRetries: 0 });
    const e = await wrong.messages.create({ model: aliasOf("mock"), max_tokens: 8, messages }).catch((x) => x);
    expect(e).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(e.error).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const missing = await anthropic.messages.create({ model: "no-such", max_tokens: 8, messages }).catch((x) => x);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect(missing.error).toMatchObject({ type: "error", error: { type: "not_found_error" } });

    const raw = await fetch(`${gw.anthropicBaseURL}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": gw.apiKey, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: aliasOf("anthropic"), max_tokens: 8, messages }),
    });
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { type: string }).type).toBe("message");
  });

  it("reports a provider rejecting the gateway's own credential as a 502, not the client's 401", async () => {
    for (const kind of WRONG_CREDENTIAL_KINDS) {
      const model = `bad-credential-${kind}`;
      const e = (await openai.chat.completions.create({ model, messages }).catch((x: unknown) => x)) as InstanceType<
        typeof OpenAI.APIError
      >;
      expect(e, kind).toBeInstanceOf(OpenAI.InternalServerError);
      expect(e.status, kind).toBe(502);
      expect(e.code, kind).toBe("upstream_error");
      expect(e.message, kind).toMatch(/rejected the gateway's credentials/);
      expect(e.message, kind).not.toContain("sk-not");
      const a = await anthropic.messages.create({ model, max_tokens: 8, messages }).catch((x: unknown) => x);
      expect(a, kind).toMatchObject({ status: 502, error: { type: "error", error: { type: "api_error" } } });
    }
    // Gemini refuses a wrong key with a 400, which cannot be told from a client mistake by its status alone.
    const g = await openai.chat.completions
      .create({ model: "bad-credential-gemini", messages })
      .catch((x: unknown) => x);
    expect(g).toBeInstanceOf(OpenAI.BadRequestError);
    expect(String(g)).toContain("API key not valid");
    expect(gw.dataPlane.output()).not.toContain("sk-not");
  });

  it("refuses to connect to a loopback upstream whose provider is not marked allowInternal", async () => {
    const before = gw.fakes.openai.requests.length;
    const e = (await openai.chat.completions
      .create({ model: INTERNAL_REFUSED_ALIAS, messages })
      .catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(e).toBeInstanceOf(OpenAI.InternalServerError);
    expect(e.status).toBe(502);
    expect(e.code).toBe("upstream_error");
    expect(e.message).toMatch(/not allowed to reach internal addresses/);
    const a = await anthropic.messages
      .create({ model: INTERNAL_REFUSED_ALIAS, max_tokens: 8, messages })
      .catch((x: unknown) => x);
    expect(a).toMatchObject({ status: 502, error: { type: "error", error: { type: "api_error" } } });
    expect(gw.fakes.openai.requests.length).toBe(before);
    // Log lines are written in small batches: wait for the line instead of racing it.
    await eventually(
      async () => gw.dataPlane.output().includes("refused to connect upstream: internal address"),
      5_000,
    );
    expect(gw.dataPlane.output()).not.toContain(UPSTREAM_KEY);
  });

  it("lists the route aliases to both SDKs, each in its own shape", async () => {
    const expected = [...HTTP_KIND_LIST.map(aliasOf), aliasOf("mock"), INTERNAL_REFUSED_ALIAS, "strict-anthropic"];
    const o = await openai.models.list();
    const openaiIds = o.data.map((m) => m.id);
    expect(openaiIds).toEqual(expect.arrayContaining(expected));
    expect(o.data[0]).toMatchObject({ object: "model", owned_by: "switchyard" });

    const a = await anthropic.models.list();
    const ids = a.data.map((m) => m.id);
    expect(ids).toEqual(openaiIds);
    expect(a.data[0]).toEqual({ type: "model", id: ids[0], display_name: ids[0], created_at: "1970-01-01T00:00:00Z" });
    expect(a.has_more).toBe(false);
    // The SDK's page iterator stops at the single page.
    const all: string[] = [];
    for await (const m of anthropic.models.list()) all.push(m.id);
    expect(all).toEqual(ids);

    const raw = await fetch(`${gw.anthropicBaseURL}/v1/models`, {
      headers: { "x-api-key": gw.apiKey, "anthropic-version": "2023-06-01" },
    });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toMatchObject({ has_more: false, first_id: ids[0], last_id: ids.at(-1) });
  });
});
