import { beforeAll, describe, expect, it } from "vitest";
import {
  apiKeys,
  consumers,
  currentGeneration,
  type Db,
  limits,
  loadConfigRows,
  ping,
  providers,
  routes,
} from "../index.ts";
import { type FreshDb, unwrap } from "./helpers.ts";

/** The generation counter and the snapshot loader. */
export function configSuite(fresh: FreshDb): void {
  describe("config rows and generation", () => {
    let db: Db;
    beforeAll(async () => {
      db = await fresh();
    });

    it("starts with only the seeded price catalog (one change row per price), and answers ping", async () => {
      expect(await ping(db)).toBe(true);
      const rows = await loadConfigRows(db);
      expect(rows).toMatchObject({ providers: [], routes: [], consumers: [], groups: [], apiKeys: [], limits: [] });
      expect(rows.prices.length).toBeGreaterThan(10);
      expect(await currentGeneration(db)).toBe(BigInt(rows.prices.length));
      expect(rows.generation).toBe(BigInt(rows.prices.length));
      expect(rows.prices.find((p) => p.model === "gpt-4o-mini")).toMatchObject({
        inputPerMTok: 0.15,
        outputPerMTok: 0.6,
        cachedInputPerMTok: 0.075,
      });
      expect(rows.prices.find((p) => p.model === "text-embedding-3-small")).toMatchObject({
        inputPerMTok: 0.02,
        outputPerMTok: 0,
        cachedInputPerMTok: null,
      });
    });

    it("loads every table with the generation of the last write, rows in id order", async () => {
      const sealed = { ciphertext: "Y2lwaGVy", keyId: "k1" };
      const timeouts = { connectTimeoutMs: 100, firstByteTimeoutMs: 200 };
      const p1 = unwrap(await providers.create(db, { name: "a", kind: "mock", apiKey: sealed, ...timeouts })).record;
      const p2 = unwrap(await providers.create(db, { name: "b", kind: "mock", ...timeouts })).record;
      const route = unwrap(await routes.create(db, { alias: "m", providerId: p1.id, upstreamModel: "u" })).record;
      const consumer = unwrap(await consumers.create(db, { name: "c", metadata: { k: "v" } })).record;
      const key = unwrap(await apiKeys.createKey(db, { consumerId: consumer.id, prefix: "sy_", hash: "h" })).record;
      const limit = unwrap(
        await limits.create(db, {
          kind: "requests",
          window: "minute",
          scope: "consumer",
          scopeId: consumer.id,
          limit: 10,
          failurePolicy: "fail-open",
        }),
      );

      const rows = await loadConfigRows(db);
      expect(rows.generation).toBe(limit.generation);
      expect(rows.generation).toBe(await currentGeneration(db));
      const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(rows.providers).toEqual(
        byId([
          { ...p1, apiKey: sealed },
          { ...p2, apiKey: null },
        ]),
      );
      expect(rows.routes).toEqual([route]);
      expect(rows.consumers).toEqual([consumer]);
      expect(rows.apiKeys).toEqual([{ id: key.id, consumerId: consumer.id, hash: "h" }]);
      expect(rows.limits).toEqual([limit.record]);
    });

    it("labels every snapshot with exactly the writes it contains, under concurrent writers", async () => {
      const base = await currentGeneration(db);
      const baseCount = (await loadConfigRows(db)).consumers.length;
      const writes = Array.from({ length: 24 }, (_, i) => consumers.create(db, { name: `burst-${i}` }));
      const snapshots = Array.from({ length: 12 }, () => loadConfigRows(db));
      const done = await Promise.all(writes);
      const generations = done.map((r) => unwrap(r).generation).sort((a, b) => (a < b ? -1 : 1));
      expect(generations).toEqual(Array.from({ length: 24 }, (_, i) => base + BigInt(i + 1)));
      for (const snap of await Promise.all(snapshots)) {
        // Every write in this test adds one consumer, so the count must match the generation exactly.
        expect(BigInt(snap.consumers.length - baseCount)).toBe(snap.generation - base);
      }
    });
  });
}
