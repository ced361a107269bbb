import { monitorEventLoopDelay } from "node:perf_hooks";
import {
  decodeControlMessage,
  deltaResponse,
  diffConfig,
  mergeDelta,
  versionSnapshot,
} from "@switchyard/config-sync/codec";
import { buildSnapshot, type VersionedSnapshot } from "@switchyard/policy";
import { createMemoryLimiter } from "@switchyard/ratelimit";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataPlaneApp } from "../app.ts";
import { createRuntimeHolder } from "../runtime/runtime-holder.ts";
import { captureLogger } from "../testing/capture-logger.ts";
import { serveApp } from "../testing/serve-app.ts";
import { apiKey, consumer, mockProvider, route, rpmLimit } from "../testing/snapshot-fixture.ts";

const KEYS = 100_000;
/**
 * Generous for a shared two-core machine; a compile of 100,000 keys in one go blocks for far longer (about
 * 0.5-1 s here). When the machine is so loaded that serving alone already shows long pauses (the process
 * waiting for a CPU), the bound grows with them: four times the longest pause seen without any apply.
 */
const MAX_BLOCK_MS = 250;
const bound = (baselineMs: number) => Math.max(MAX_BLOCK_MS, 4 * baselineMs);

/** 100,000 consumers, each with one key and one limit, behind one mock route. */
function largeSnapshot(generation: bigint): VersionedSnapshot {
  const ids = Array.from({ length: KEYS }, (_, i) => `c${String(i).padStart(6, "0")}`);
  const config = buildSnapshot({
    providers: [mockProvider()],
    routes: [route("fast", "prov-mock", "mock-1")],
    consumers: ids.map((id) => consumer(id)),
    groups: [],
    apiKeys: ids.map((id) => apiKey(`sk-${id}`, id)),
    limits: ids.map((id) => rpmLimit(id, 1_000_000)),
    prices: [],
  });
  return versionSnapshot(config, generation);
}

/**
 * Sends chat requests through the real HTTP server back to back while `work` runs, and measures the longest
 * the event loop was blocked meanwhile (perf_hooks' delay histogram, 5 ms resolution).
 */
async function whileServing(url: string, work: () => Promise<unknown>) {
  let running = true;
  const statuses: number[] = [];
  const traffic = (async () => {
    while (running) {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer sk-c000001", "content-type": "application/json" },
        body: JSON.stringify({ model: "fast", messages: [{ role: "user", content: "hi" }] }),
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
  })();
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  // Let the sampling timer and the traffic get going before the work starts, so a block at once is seen.
  await new Promise((r) => setTimeout(r, 50));
  await work();
  await new Promise((r) => setTimeout(r, 50));
  delay.disable();
  running = false;
  await traffic;
  return { maxBlockMs: delay.max / 1e6, statuses };
}

describe("applying a 100,000-key snapshot while serving", () => {
  const holder = createRuntimeHolder();
  let gateway: Awaited<ReturnType<typeof serveApp>>;
  let first: VersionedSnapshot;

  beforeAll(async () => {
    first = largeSnapshot(1n);
    const app = createDataPlaneApp({
      runtime: holder,
      limiter: createMemoryLimiter(),
      logger: captureLogger().logger,
      registry: new Registry(),
      maxRequestBodyBytes: 4096,
    });
    gateway = await serveApp(app);
    // Something to serve while the large snapshot compiles: the same route and the key the traffic uses.
    const small = buildSnapshot({
      providers: [mockProvider()],
      routes: [route("fast", "prov-mock", "mock-1")],
      consumers: [consumer("c000001")],
      groups: [],
      apiKeys: [apiKey("sk-c000001", "c000001")],
      limits: [],
      prices: [],
    });
    expect(holder.apply(versionSnapshot(small, 0n)).ok).toBe(true);
  }, 120_000);
  afterAll(async () => {
    await gateway?.close();
    await holder.close();
  });

  it("keeps requests flowing during the whole compile, then a one-key delta costs next to nothing", async () => {
    const idle = await whileServing(gateway.url, () => new Promise((r) => setTimeout(r, 1_000)));
    const full = await whileServing(gateway.url, () => holder.applySliced(first));
    expect(holder.current()?.version).toBe(first.version);
    expect(holder.current()?.keys.size).toBe(KEYS);
    expect(full.statuses.length).toBeGreaterThan(0);
    expect(full.statuses.every((s) => s === 200)).toBe(true);
    expect(full.maxBlockMs).toBeLessThan(bound(idle.maxBlockMs));

    // One key added, the way the config stream delivers it: a delta merged, verified and compiled.
    const delta = {
      upserts: {
        providers: [],
        routes: [],
        consumers: [],
        groups: [],
        apiKeys: [apiKey("sk-extra", "c000002")],
        limits: [],
        prices: [],
      },
      removed: { providers: [], routes: [], consumers: [], groups: [], apiKeys: [], limits: [], prices: [] },
    };
    const next = versionSnapshot(mergeDelta(first.config, delta, first.config.schemaVersion), 2n);
    const msg = decodeControlMessage(deltaResponse(first.version, next, diffConfig(first.config, next.config), "n"));
    if (msg.type !== "snapshot") throw new Error("not a snapshot message");
    const change = await whileServing(gateway.url, async () => {
      const resolved = await msg.resolve(first);
      if (!resolved.ok) throw new Error(resolved.error.message);
      const applied = await holder.applySliced(resolved.value);
      if (!applied.ok) throw new Error(applied.error.message);
    });
    expect(holder.current()?.version).toBe(next.version);
    expect(holder.current()?.keys.size).toBe(KEYS + 1);
    expect(change.statuses.every((s) => s === 200)).toBe(true);
    expect(change.maxBlockMs).toBeLessThan(bound(idle.maxBlockMs));
  }, 120_000);
});
