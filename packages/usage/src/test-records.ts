import type { UsageRecord } from "./usage-record.ts";

/** A record for tests: request `req-<n>`, with token counts and a cost that differ per record. */
export function testRecord(n: number, over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: `req-${n}`,
    ts: Date.UTC(2026, 11, 7, 10, 0, 0) + n,
    nodeId: "dp-test",
    consumerId: `consumer-${n % 3}`,
    groupId: n % 2 === 0 ? "team-even" : null,
    routeId: "route-1",
    alias: "gpt",
    providerId: "provider-1",
    model: "gpt-4o-mini",
    inputTokens: 10 + (n % 7),
    outputTokens: 20 + (n % 5),
    cachedTokens: n % 3,
    reasoningTokens: 0,
    costMicroUsd: n % 4 === 0 ? null : 100 + n,
    status: 200,
    latencyMs: 30,
    streamed: n % 2 === 1,
    ...over,
  };
}
