import { createDb, type Db, migrateToLatest, usage } from "@switchyard/db";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../../../test/harness/index.ts";
import { startUsageRetention } from "./usage-retention.ts";

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 11, 7, 12);

const record = (n: number, ts: number) => ({
  requestId: `ret-${n}`,
  ts,
  nodeId: "dp",
  consumerId: "c",
  groupId: null,
  routeId: "r",
  alias: "a",
  providerId: "p",
  model: "m",
  inputTokens: 1,
  outputTokens: 1,
  cachedTokens: 0,
  reasoningTokens: 0,
  costMicroUsd: 1,
  status: 200,
  latencyMs: 1,
  streamed: false,
});

describe("usage retention", () => {
  let db: Db;
  beforeAll(async () => {
    db = createDb({ pgliteMemory: true });
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await db?.close();
  });

  it("deletes raw records older than the retention period and keeps newer ones and the daily totals", async () => {
    await usage.insertBatch(db, [
      record(1, NOW - 31 * DAY_MS),
      record(2, NOW - 30 * DAY_MS - 1),
      record(3, NOW - 30 * DAY_MS + 1_000),
      record(4, NOW - DAY_MS),
    ]);
    const job = startUsageRetention({
      db,
      retentionDays: 30,
      logger: pino({ level: "silent" }),
      firstRunMs: 0,
      now: () => NOW,
    });
    await eventually(async () => (await usage.countRecords(db)) === 2);
    await job.stop();
    const { total } = await usage.query(db, { from: "2026-11-01", to: "2026-12-31", groupBy: "consumer" });
    expect(total.requests).toBe(4);
  });
});
