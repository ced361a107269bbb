import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeOpenAI } from "../fakes/openai-upstream.ts";
import { eventually } from "../harness/index.ts";
import { type adminClient, type DataPlane, fleetSecrets } from "./fleet/fleet.ts";
import { type RedisFleet, startRedisFleet } from "./fleet/redis-fleet.ts";

/** Output events between two charges of a metered stream (STREAM_METER_EVENTS, docs/limits.md). */
const K = 64;

/**
 * Stream cut-off through real data planes: streamed chat completions made with the official `openai` client
 * want far more output than a token limit with `streamCutoff` leaves; each stream must end with the documented
 * final error event, and the limit's counter (read through the admin API) must stay within the documented
 * worst-case overshoot.
 */
describe("stream cut-off through the data plane", () => {
  const secrets = fleetSecrets();
  const NODES = ["dp-c1", "dp-c2"];
  let fleet: RedisFleet;
  let upstream: FakeOpenAI;
  const dps: DataPlane[] = [];
  let admin: ReturnType<typeof adminClient>;

  beforeAll(async () => {
    fleet = await startRedisFleet({ secrets, database: "stream_cutoff", nodes: NODES, upstreamKey: "sk-up" });
    ({ upstream, admin } = fleet);
    dps.push(...fleet.dps);
  }, 120_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  it("cuts concurrent streams off with the final error event, the counter within L + S x (K + c)", async () => {
    const created = async (path: string, body: Record<string, unknown>) => {
      const r = await admin.call("POST", path, body);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body as Record<string, string>;
    };
    const provider = await created("/providers", {
      name: "openai",
      kind: "openai",
      baseUrl: upstream.url,
      apiKey: "sk-up",
      allowInternal: true,
    });
    await created("/routes", { alias: "gpt", providerId: provider.id!, upstreamModel: "gpt-4o-mini" });
    const consumer = await created("/consumers", { name: "streamer" });
    const L = 600;
    const limit = await created("/limits", {
      scope: "consumer",
      scopeId: consumer.id!,
      kind: "output_tokens",
      window: "hour",
      limit: L,
      failurePolicy: "fail-closed",
      streamCutoff: true,
    });
    const key = (await created(`/consumers/${consumer.id}/keys`, { name: "e2e" })).key!;
    await admin.converged(NODES);
    // Away from an hour's edge: the counter must not reset halfway through.
    const intoHour = Date.now() % 3_600_000;
    if (intoHour > 3_600_000 - 30_000) await new Promise((r) => setTimeout(r, 3_600_000 - intoHour + 500));

    // Each stream is admitted for 10 output tokens and wants 2,000 (the fake ignores max_tokens): everything past
    // its reservation is charged every K events, and the streams are cut once the counter reaches L.
    const WANTED = 2_000;
    const S = 6;
    const PACE_MS = 5;
    upstream.setBehavior({
      replyText: Array.from({ length: WANTED }, (_, i) => `w${i}`).join(" "),
      chunkDelayMs: PACE_MS,
    });
    try {
      const streams = await Promise.all(
        Array.from({ length: S }, async (_, i) => {
          const client = new OpenAI({ baseURL: `${dps[i % 2]!.url}/v1`, apiKey: key, maxRetries: 0 });
          const stream = await client.chat.completions.create({
            model: "gpt",
            messages: [{ role: "user", content: "Count." }],
            stream: true,
            stream_options: { include_usage: true },
            max_tokens: 10,
          });
          let pieces = 0;
          try {
            for await (const chunk of stream) if (chunk.choices[0]?.delta.content) pieces++;
          } catch (e) {
            return { pieces, error: e };
          }
          return { pieces, error: null };
        }),
      );
      for (const s of streams) {
        // The final event is OpenAI's error object, which the SDK raises as an APIError.
        expect(s.error).toBeInstanceOf(APIError);
        const err = s.error as APIError;
        expect(err.code).toBe("rate_limit_exceeded");
        expect(err.message).toContain("limit that applies to you is exhausted");
        expect(s.pieces).toBeLessThan(WANTED);
      }
      const received = streams.reduce((a, s) => a + s.pieces, 0);

      // Settles run after each stream ends; then the counter holds every event written to the clients.
      let used = 0;
      await eventually(async () => {
        const r = await admin.call("GET", `/consumers/${consumer.id}/limits`);
        const before = used;
        used = (r.body.data as { limitId: string; used: number }[]).find((c) => c.limitId === limit.id)!.used;
        return used === before && used > 0;
      }, 10_000);
      expect(used).toBeGreaterThanOrEqual(L);
      expect(used).toBeGreaterThanOrEqual(received);
      // The documented bound: each stream adds at most K events past the point the counter reached L, plus what
      // arrived during one charge's round trip (c). The test allows c up to K events (a round trip of up to
      // 320 ms at this pace) on a shared machine.
      const c = K;
      expect(used).toBeLessThanOrEqual(L + S * (K + c));
    } finally {
      upstream.setBehavior({ replyText: "Hello from the fake OpenAI upstream.", chunkDelayMs: 0 });
    }
  }, 120_000);
});
