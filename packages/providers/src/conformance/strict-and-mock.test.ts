import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdapterGateway, startAdapterGateway } from "../../../../test/fakes/adapter-gateway.ts";
import { type ProviderSetup, startProviderSetup } from "../../../../test/fakes/provider-setups.ts";
import { mockAdapter } from "../mock/index.ts";

describe("strict routes, through the official SDKs", () => {
  let anthropicKind: ProviderSetup;
  let openaiKind: ProviderSetup;
  beforeAll(async () => {
    anthropicKind = await startProviderSetup("anthropic", { strict: true });
    openaiKind = await startProviderSetup("openai", { strict: true });
  });
  afterAll(async () => {
    await anthropicKind.close();
    await openaiKind.close();
  });

  it("answer 400 naming the parameter an Anthropic target cannot honour, and send nothing upstream", async () => {
    const client = new OpenAI({ apiKey: "k", baseURL: anthropicKind.gateway.openaiBaseURL, maxRetries: 0 });
    const e = (await client.chat.completions
      .create({ model: "a", messages: [{ role: "user", content: "hi" }], n: 2 })
      .catch((x: unknown) => x)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e.param).toBe("n");
    expect(e.message).toContain("'n'");
    expect(anthropicKind.fake.requests).toHaveLength(0);
    await expect(
      client.chat.completions.create({ model: "a", messages: [{ role: "user", content: "hi" }] }),
    ).resolves.toBeDefined();
  });

  it("answer an Anthropic client 400 in Anthropic's shape when OpenAI cannot honour top_k", async () => {
    const client = new Anthropic({ apiKey: "k", baseURL: openaiKind.gateway.anthropicBaseURL, maxRetries: 0 });
    // top_k is gone from this SDK's types, but older clients still send it.
    const params = { model: "a", max_tokens: 5, top_k: 5, messages: [{ role: "user" as const, content: "hi" }] };
    const e = await client.messages
      .create(params as Anthropic.MessageCreateParamsNonStreaming)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Anthropic.BadRequestError);
    expect((e as InstanceType<typeof Anthropic.BadRequestError>).type).toBe("invalid_request_error");
    expect(String(e)).toContain("'top_k'");
  });
});

describe("mock provider, through the official SDKs", () => {
  let gw: AdapterGateway;
  beforeAll(async () => {
    gw = await startAdapterGateway({
      adapter: mockAdapter,
      target: { basePath: "", upstreamModel: "mock-1", headers: {} },
      origin: "",
    });
  });
  afterAll(() => gw.close());

  it("answers chat, streams and embeddings for OpenAI clients and messages for Anthropic clients", async () => {
    const openai = new OpenAI({ apiKey: "k", baseURL: gw.openaiBaseURL, maxRetries: 0 });
    const c = await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(c.choices[0]?.message.content).toMatch(/mock reply from mock-1/);
    let streamed = "";
    for await (const ch of await openai.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    }))
      streamed += ch.choices[0]?.delta.content ?? "";
    expect(streamed).toBe(c.choices[0]?.message.content);
    const emb = await openai.embeddings.create({ model: "m", input: "x" });
    expect(emb.data[0]?.embedding).toHaveLength(8);
    const anthropic = new Anthropic({ apiKey: "k", baseURL: gw.anthropicBaseURL, maxRetries: 0 });
    const m = await anthropic.messages
      .stream({ model: "m", max_tokens: 9, messages: [{ role: "user", content: "hi" }] })
      .finalMessage();
    expect(m.content[0]).toMatchObject({ type: "text", text: c.choices[0]?.message.content });
  });
});
