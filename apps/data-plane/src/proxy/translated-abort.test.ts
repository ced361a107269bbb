import Anthropic from "@anthropic-ai/sdk";
import { createMemoryLimiter } from "@switchyard/ratelimit";
import OpenAI from "openai";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeScript, TEXT_SCRIPT } from "../../../../test/fakes/fake-script.ts";
import { type FakeUpstream, startFakeUpstream } from "../../../../test/fakes/fake-upstream.ts";
import { HTTP_KINDS, UPSTREAM_KEY } from "../../../../test/fakes/provider-setups.ts";
import { eventually } from "../../../../test/harness/index.ts";
import { createDataPlaneApp } from "../app.ts";
import { createRuntimeHolder, type RuntimeHolder } from "../runtime/runtime-holder.ts";
import type { HttpUpstream } from "../runtime/types.ts";
import { captureLogger } from "../testing/capture-logger.ts";
import { serveApp } from "../testing/serve-app.ts";
import { apiKey, consumer, openAIProvider, route, snapshot } from "../testing/snapshot-fixture.ts";

/**
 * A client that leaves a translated stream midway: the data plane must abort the upstream request at once (so
 * an abandoned stream stops costing tokens) and keep no socket open. Each fake speaks its provider's real wire
 * format and sends one frame every 50 ms, long enough that the stream is still running when the client leaves.
 */

const KINDS = ["openai", "anthropic", "gemini", "ollama"] as const;
type Kind = (typeof KINDS)[number];

const LONG: FakeScript = {
  ...TEXT_SCRIPT,
  text: Array.from({ length: 80 }, (_, i) => `word${i}`).join(" "),
};

let fakes: Record<Kind, FakeUpstream>;
let holder: RuntimeHolder;
let gateway: { url: string; close: () => Promise<void> };
let openai: OpenAI;
let anthropic: Anthropic;
const messages = [{ role: "user" as const, content: "Tell me a long story." }];

beforeAll(async () => {
  const started = await Promise.all(KINDS.map((k) => startFakeUpstream(HTTP_KINDS[k].wire())));
  fakes = Object.fromEntries(KINDS.map((k, i) => [k, started[i]])) as Record<Kind, FakeUpstream>;
  for (const f of started) f.setBehavior({ script: LONG, frameDelayMs: 50 });
  holder = createRuntimeHolder();
  const applied = holder.apply(
    snapshot({
      providers: KINDS.map((k) =>
        openAIProvider(`${fakes[k].origin}${HTTP_KINDS[k].basePath}`, {
          id: `prov-${k}`,
          name: k,
          kind: k,
          apiKey: UPSTREAM_KEY,
        }),
      ),
      routes: KINDS.map((k) => route(k, `prov-${k}`, HTTP_KINDS[k].model)),
      consumers: [consumer("c1")],
      apiKeys: [apiKey("sk-client", "c1")],
    }),
  );
  if (!applied.ok) throw new Error(applied.error.message);
  gateway = await serveApp(
    createDataPlaneApp({
      runtime: holder,
      limiter: createMemoryLimiter(),
      logger: captureLogger().logger,
      registry: new Registry(),
    }),
  );
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "sk-client", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gateway.url, apiKey: "sk-client", maxRetries: 0 });
}, 30_000);

afterAll(async () => {
  await gateway?.close();
  await holder?.close();
  await Promise.all(Object.values(fakes ?? {}).map((f) => f.close()));
});

function poolOf(kind: Kind) {
  return (holder.current()!.routes.get(kind)!.upstream as HttpUpstream).pool;
}

/**
 * After the client aborted at `leftAt`: the fake saw its request closed unfinished within a second, and neither
 * the route's pool nor the fake holds a connection any more.
 */
async function expectUpstreamReleased(kind: Kind, index: number, leftAt: number): Promise<void> {
  const fake = fakes[kind];
  const rec = await eventually(
    async () => (fake.requests[index]?.endedAt != null ? fake.requests[index] : null),
    3_000,
  );
  expect(rec.outcome, kind).toBe("aborted");
  expect(rec.endedAt! - leftAt, kind).toBeLessThan(1_000);
  await eventually(
    async () => ((await fake.connections()) === 0 && poolOf(kind).stats.connected === 0 ? true : null),
    1_000,
  );
}

describe("a client leaving a translated stream", () => {
  /** An openai SDK stream from a translated kind, left after a few words. */
  async function leaveOpenAIStream(kind: "anthropic" | "gemini" | "ollama"): Promise<void> {
    const index = fakes[kind].requests.length;
    const stream = await openai.chat.completions.create({ model: kind, messages, stream: true });
    let text = "";
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (text.includes("word2")) break;
    }
    stream.controller.abort();
    const leftAt = performance.now();
    expect(text).toContain("word0");
    await expectUpstreamReleased(kind, index, leftAt);
  }

  it("aborts the anthropic upstream within a second and leaks no socket (openai SDK)", async () => {
    await leaveOpenAIStream("anthropic");
  });

  it("aborts the gemini upstream within a second and leaks no socket (openai SDK)", async () => {
    await leaveOpenAIStream("gemini");
  });

  it("aborts the ollama upstream within a second and leaks no socket (openai SDK)", async () => {
    await leaveOpenAIStream("ollama");
  });

  it("aborts the openai upstream within a second and leaks no socket (@anthropic-ai/sdk)", async () => {
    const kind = "openai";
    const index = fakes[kind].requests.length;
    const stream = await anthropic.messages.create({ model: kind, max_tokens: 1024, messages, stream: true });
    let text = "";
    for await (const event of stream) {
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
      if (text.includes("word2")) break;
    }
    stream.controller.abort();
    const leftAt = performance.now();
    expect(text).toContain("word0");
    await expectUpstreamReleased(kind, index, leftAt);
  });

  it("still serves the next stream on the same routes", async () => {
    for (const f of Object.values(fakes)) f.setBehavior({ frameDelayMs: null });
    const s = await openai.chat.completions.create({ model: "anthropic", messages, stream: true });
    let text = "";
    for await (const chunk of s) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(LONG.text);
  });
});
