import { beforeAll, describe, expect, it } from "vitest";
import { consumers, currentGeneration, type Db, type LimitInput, limits } from "../index.ts";
import { crudSuite } from "./crud-suite.ts";
import { expectNoChange, type FreshDb, failure, unwrap } from "./helpers.ts";

const globalLimit = (i: number): LimitInput => ({
  kind: "requests",
  window: "minute",
  scope: "global",
  scopeId: "",
  limit: 100 + i,
  failurePolicy: "fail-closed",
});

/** Limit CRUD plus large amounts and the consumer-scope reference. */
export function limitsSuite(fresh: FreshDb): void {
  crudSuite(fresh, {
    kind: "limit",
    repo: limits,
    setup: async () => globalLimit,
    patch: { limit: 5, failurePolicy: "fail-open" },
    patched: { limit: 5, failurePolicy: "fail-open" },
  });

  describe("limits", () => {
    let db: Db;
    beforeAll(async () => {
      db = await fresh();
    });

    it("stores amounts up to MAX_SAFE_INTEGER in the bigint column and returns numbers", async () => {
      const { record } = unwrap(await limits.create(db, { ...globalLimit(0), limit: Number.MAX_SAFE_INTEGER }));
      expect(record.limit).toBe(Number.MAX_SAFE_INTEGER);
      expect((await limits.get(db, record.id))?.limit).toBe(Number.MAX_SAFE_INTEGER);
    });

    it("scopes a limit to an existing consumer and refuses an unknown one on scopeId", async () => {
      const consumer = unwrap(await consumers.create(db, { name: "limited" })).record;
      const input: LimitInput = { ...globalLimit(1), scope: "consumer", scopeId: consumer.id };
      expect(unwrap(await limits.create(db, input)).record).toMatchObject({ scope: "consumer", scopeId: consumer.id });
      const before = await currentGeneration(db);
      for (const scopeId of ["00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
        const e = failure(await limits.create(db, { ...input, scopeId }));
        expect(e).toMatchObject({ kind: "reference", field: "scopeId" });
      }
      await expectNoChange(db, before);
    });
  });
}
