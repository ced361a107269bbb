import { createRedisConnection, type RedisClient } from "@switchyard/ratelimit/connection";
import type { UsageRecord } from "@switchyard/usage";
import { createUsageProducer, type UsageProducer } from "@switchyard/usage/producer";
import { Registry } from "prom-client";

/** What the usage scenarios produce and then expect to find in PostgreSQL. */
export interface UsageExpectation {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costMicroUsd: number;
  unpricedRequests: number;
}

/** Record `i` of a run named `run`: three consumers, two models, every fifth one unpriced. */
export function flowRecord(run: string, i: number, ts = Date.now()): UsageRecord {
  return {
    requestId: `${run}-${i}`,
    ts,
    nodeId: "dp-e2e",
    consumerId: `consumer-${i % 3}`,
    groupId: i % 3 === 2 ? null : "team-a",
    routeId: "route-e2e",
    alias: "gpt",
    providerId: "provider-e2e",
    model: i % 2 === 0 ? "gpt-4o-mini" : "gpt-4o",
    inputTokens: 10 + (i % 11),
    outputTokens: 3 + (i % 7),
    cachedTokens: 0,
    reasoningTokens: 0,
    costMicroUsd: i % 5 === 4 ? null : 100 + (i % 13),
    status: 200,
    latencyMs: 25,
    streamed: i % 2 === 1,
  };
}

/** The sums of records `0..n-1` of a run. */
export function expected(run: string, n: number): UsageExpectation {
  const e = { requests: 0, inputTokens: 0, outputTokens: 0, costMicroUsd: 0, unpricedRequests: 0 };
  for (let i = 0; i < n; i++) {
    const r = flowRecord(run, i);
    e.requests++;
    e.inputTokens += r.inputTokens;
    e.outputTokens += r.outputTokens;
    if (r.costMicroUsd === null) e.unpricedRequests++;
    else e.costMicroUsd += r.costMicroUsd;
  }
  return e;
}

/** A data plane's producer in the test process, on a connection made the way the data plane makes it. */
export function testProducer(
  redisUrl: string,
  spoolDir: string,
): { producer: UsageProducer; client: RedisClient; registry: Registry } {
  const client = createRedisConnection({ url: redisUrl }, { commandTimeoutMs: 500 });
  client.on("error", () => {});
  const registry = new Registry();
  const producer = createUsageProducer({
    client,
    streamKey: "sy:usage",
    maxLen: 1_000_000,
    spoolDir,
    nodeId: "dp-e2e",
    logger: { warn() {}, info() {} },
    registry,
    spoolFlushMs: 20,
    replayIntervalMs: 100,
  });
  return { producer, client, registry };
}

/**
 * Records `n` records of `run` at a steady rate (`perTick` every `tickMs`), as a data plane under load would;
 * resolves once all were handed over and flushed.
 */
export async function pump(producer: UsageProducer, run: string, n: number, perTick = 5, tickMs = 5): Promise<void> {
  for (let i = 0; i < n; ) {
    for (let k = 0; k < perTick && i < n; k++, i++) producer.record(flowRecord(run, i));
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await producer.flush();
}
