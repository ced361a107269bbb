import { beforeAll, describe, expect, it } from "vitest";
import { apiKeys, type ConsumerInput, consumers, currentGeneration, type Db, limits } from "../index.ts";
import { crudSuite } from "./crud-suite.ts";
import { changesSince, expectNoChange, expectOneChange, type FreshDb, failure, unwrap } from "./helpers.ts";

const consumerInput = (i: number): ConsumerInput => ({
  name: `consumer-${i}`,
  metadata: { team: "search", weight: i, beta: true },
});

const perMinute = (scope: "consumer" | "global", scopeId: string) =>
  ({ kind: "requests", window: "minute", scope, scopeId, limit: 60, failurePolicy: "fail-closed" }) as const;

/** Consumer CRUD plus metadata, unique names and the delete cascade to keys and limits. */
export function consumersSuite(fresh: FreshDb): void {
  crudSuite(fresh, {
    kind: "consumer",
    repo: consumers,
    setup: async () => consumerInput,
    patch: { enabled: false, metadata: { team: "ads" } },
    patched: { enabled: false, metadata: { team: "ads" } },
  });

  describe("consumers", () => {
    let db: Db;
    beforeAll(async () => {
      db = await fresh();
    });

    it("round-trips metadata and defaults to enabled with empty metadata", async () => {
      const full = unwrap(await consumers.create(db, consumerInput(1))).record;
      expect(full).toMatchObject({ metadata: { team: "search", weight: 1, beta: true }, enabled: true });
      const bare = unwrap(await consumers.create(db, { name: "bare" })).record;
      expect(bare).toMatchObject({ metadata: {}, enabled: true });
    });

    it("answers a taken name with a conflict on name", async () => {
      unwrap(await consumers.create(db, consumerInput(2)));
      const before = await currentGeneration(db);
      expect(failure(await consumers.create(db, consumerInput(2)))).toMatchObject({ kind: "conflict", field: "name" });
      await expectNoChange(db, before);
    });

    it("deletes its keys and consumer-scoped limits in the same write, leaving others alone", async () => {
      const doomed = unwrap(await consumers.create(db, consumerInput(3))).record;
      const kept = unwrap(await consumers.create(db, consumerInput(4))).record;
      for (const c of [doomed, kept]) {
        unwrap(await apiKeys.createKey(db, { consumerId: c.id, name: null, prefix: "sy_", hash: `h-${c.id}` }));
        unwrap(await limits.create(db, perMinute("consumer", c.id)));
      }
      const global = unwrap(await limits.create(db, perMinute("global", ""))).record;

      const before = await currentGeneration(db);
      const { generation } = unwrap(await consumers.remove(db, doomed.id));
      await expectOneChange(db, before, generation, "consumer", doomed.id, "delete");

      expect(await consumers.get(db, doomed.id)).toBeNull();
      expect(await apiKeys.listKeys(db, doomed.id)).toBeNull();
      const left = await db.kysely.selectFrom("api_keys").select("consumer_id").execute();
      expect(left.map((k) => k.consumer_id)).toEqual([kept.id]);
      const remaining = (await limits.list(db, { limit: 500 })).items;
      expect(remaining.map((l) => l.scopeId).sort()).toEqual(["", kept.id].sort());
      expect(remaining.find((l) => l.id === global.id)).toEqual(global);
      expect((await changesSince(db, generation)).length).toBe(0);
    });
  });
}
