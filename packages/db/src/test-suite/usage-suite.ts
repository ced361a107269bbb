import { beforeAll, describe, expect, it } from "vitest";
import { type Db, type UsageRecordInput, usage } from "../index.ts";
import type { FreshDb } from "./helpers.ts";

const DAY1 = Date.UTC(2026, 11, 6);
/** Each test works in its own year (and request ids), so they share one database without seeing each other. */
const YEAR_MS = 366 * 86_400_000;
const inYear = (k: number, ts: number) => ts + k * YEAR_MS;
const yearRange = (k: number) => ({ from: `${2026 + k}-01-01`, to: `${2026 + k}-12-31` });

function rec(n: number, over: Partial<UsageRecordInput> = {}): UsageRecordInput {
  return {
    requestId: `req-${n}`,
    ts: DAY1 + 3_600_000 + n,
    nodeId: "dp-1",
    consumerId: "consumer-a",
    groupId: "team-1",
    routeId: "route-1",
    alias: "gpt",
    providerId: "provider-1",
    model: "gpt-4o-mini",
    inputTokens: 10,
    outputTokens: 20,
    cachedTokens: 1,
    reasoningTokens: 2,
    costMicroUsd: 100,
    status: 200,
    latencyMs: 40,
    streamed: false,
    ...over,
  };
}

const range = { from: "2026-12-01", to: "2026-12-31" } as const;

/** The usage store: idempotent batches, daily sums of inserted rows only, queries, retention. */
export function usageSuite(fresh: FreshDb): void {
  describe("usage", () => {
    let db: Db;
    beforeAll(async () => {
      db = await fresh();
    });

    it("stores a batch and sums it per day; replaying it, whole or in part, counts nothing twice", async () => {
      const batch = Array.from({ length: 30 }, (_, i) => rec(i));
      expect(await usage.insertBatch(db, batch)).toEqual({ inserted: 30, duplicates: 0 });
      expect(await usage.insertBatch(db, batch)).toEqual({ inserted: 0, duplicates: 30 });
      const overlap = Array.from({ length: 20 }, (_, i) => rec(20 + i));
      expect(await usage.insertBatch(db, [...overlap, overlap[0] as UsageRecordInput])).toEqual({
        inserted: 10,
        duplicates: 11,
      });
      expect(await usage.countRecords(db)).toBe(40);
      const report = await usage.query(db, { ...range, groupBy: "consumer" });
      expect(report.total).toEqual({
        requests: 40,
        inputTokens: 400,
        outputTokens: 800,
        cachedTokens: 40,
        reasoningTokens: 80,
        costMicroUsd: 4_000,
        unpricedRequests: 0,
      });
      expect(report.totals).toEqual([{ key: "consumer-a", ...report.total }]);
      expect(report.daily).toEqual([{ day: "2026-12-06", key: "consumer-a", ...report.total }]);
    });

    it("counts concurrent commits of the same records once", async () => {
      const other = db;
      const batch = Array.from({ length: 200 }, (_, i) =>
        rec(i, { requestId: `c-${i}`, ts: inYear(1, DAY1), consumerId: "consumer-c" }),
      );
      const results = await Promise.all([
        usage.insertBatch(other, batch),
        usage.insertBatch(other, [...batch].reverse()),
        usage.insertBatch(other, batch.slice(50, 150)),
      ]);
      expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(200);
      expect((await usage.query(other, { ...yearRange(1), groupBy: "consumer" })).total.requests).toBe(200);
    });

    it("counts unpriced requests apart and never as free", async () => {
      const other = db;
      const at = { ts: inYear(2, DAY1) };
      await usage.insertBatch(other, [
        rec(1, { ...at, requestId: "u-1", costMicroUsd: null }),
        rec(2, { ...at, requestId: "u-2", costMicroUsd: 0 }),
        rec(3, { ...at, requestId: "u-3" }),
      ]);
      const { total } = await usage.query(other, { ...yearRange(2), groupBy: "model" });
      expect(total).toMatchObject({ requests: 3, costMicroUsd: 100, unpricedRequests: 1 });
    });

    it("splits days at UTC midnight, groups by each key, filters, and bounds the range by whole days", async () => {
      const other = db;
      const D2 = Date.UTC(2030, 11, 7);
      await usage.insertBatch(other, [
        rec(1, { requestId: "s-1", ts: D2 - 1 }),
        rec(2, { requestId: "s-2", ts: D2, consumerId: "consumer-b", groupId: null, model: "claude", costMicroUsd: 5 }),
        rec(3, { requestId: "s-3", ts: D2 + 86_399_999, routeId: "route-2" }),
        rec(4, { requestId: "s-4", ts: D2 + 86_400_000 }),
      ]);
      const byGroup = await usage.query(other, { from: "2030-12-06", to: "2030-12-07", groupBy: "group" });
      expect(byGroup.daily.map((d) => [d.day, d.key, d.requests])).toEqual([
        ["2030-12-06", "team-1", 1],
        ["2030-12-07", null, 1],
        ["2030-12-07", "team-1", 1],
      ]);
      expect(byGroup.totals.map((t) => [t.key, t.requests, t.costMicroUsd])).toEqual([
        ["team-1", 2, 200],
        [null, 1, 5],
      ]);
      const byRoute = await usage.query(other, { from: "2030-12-07", to: "2030-12-08", groupBy: "route" });
      expect(byRoute.totals.map((t) => [t.key, t.requests])).toEqual([
        ["route-1", 2],
        ["route-2", 1],
      ]);
      const byModel = await usage.query(other, {
        from: "2030-12-01",
        to: "2030-12-31",
        groupBy: "model",
        filters: { consumerId: "consumer-b" },
      });
      expect(byModel.totals.map((t) => [t.key, t.requests])).toEqual([["claude", 1]]);
      const noGroup = await usage.query(other, {
        from: "2030-12-01",
        to: "2030-12-31",
        groupBy: "consumer",
        filters: { groupId: null },
      });
      expect(noGroup.total.requests).toBe(1);
      const filtered = await usage.query(other, {
        from: "2030-12-01",
        to: "2030-12-31",
        groupBy: "consumer",
        filters: { groupId: "team-1", routeId: "route-1", model: "gpt-4o-mini" },
      });
      expect(filtered.total.requests).toBe(2);
      expect((await usage.query(other, { from: "2031-01-01", to: "2031-01-31", groupBy: "route" })).daily).toEqual([]);
    });

    it("deletes raw records before a time and keeps the daily totals", async () => {
      const other = db;
      const [d1, d2] = [Date.UTC(2020, 5, 1), Date.UTC(2020, 5, 2)];
      await usage.insertBatch(other, [
        rec(1, { requestId: "d-1", ts: d1 }),
        rec(2, { requestId: "d-2", ts: d1 + 5 }),
        rec(3, { requestId: "d-3", ts: d2 }),
      ]);
      const before = await usage.countRecords(other);
      expect(await usage.deleteOlderThan(other, new Date(d2), 1)).toBe(2);
      expect(await usage.countRecords(other)).toBe(before - 2);
      const june = { from: "2020-06-01", to: "2020-06-30", groupBy: "consumer" } as const;
      expect((await usage.query(other, june)).total.requests).toBe(3);
      // A record replayed after its raw row was deleted would be inserted again: retention must outlast replays.
      expect(await usage.deleteOlderThan(other, new Date(d2))).toBe(0);
    });
  });
}
