import { beforeAll, describe, expect, it } from "vitest";
import { type Db, type PriceInput, prices } from "../index.ts";
import { crudSuite } from "./crud-suite.ts";
import { type FreshDb, failure, unwrap } from "./helpers.ts";

/** Price catalog CRUD and the seeded defaults. */
export function pricesSuite(fresh: FreshDb): void {
  crudSuite(fresh, {
    kind: "price",
    repo: prices,
    setup:
      async () =>
      (i: number): PriceInput => ({
        model: `test-model-${i}`,
        inputPerMTok: 1.5,
        outputPerMTok: 2.25,
        cachedInputPerMTok: null,
      }),
    patch: { outputPerMTok: 0.000001, cachedInputPerMTok: 0.75 },
    patched: { outputPerMTok: 0.000001, cachedInputPerMTok: 0.75 },
  });

  describe("prices", () => {
    let db: Db;
    beforeAll(async () => {
      db = await fresh();
    });

    it("seeds common models and refuses to price a model twice", async () => {
      const page = await prices.list(db, { limit: 100 });
      const byModel = new Map(page.items.map((p) => [p.model, p]));
      expect(byModel.get("gpt-4o")).toMatchObject({ inputPerMTok: 2.5, outputPerMTok: 10, cachedInputPerMTok: 1.25 });
      expect(byModel.get("claude-opus-4-1")).toMatchObject({ inputPerMTok: 15, outputPerMTok: 75 });
      expect(byModel.get("gemini-2.5-flash")).toMatchObject({ inputPerMTok: 0.3, outputPerMTok: 2.5 });
      expect(failure(await prices.create(db, { model: "gpt-4o", inputPerMTok: 1, outputPerMTok: 1 }))).toMatchObject({
        kind: "conflict",
        field: "model",
      });
    });

    it("keeps six decimals exactly", async () => {
      const p = unwrap(
        await prices.create(db, { model: "tiny", inputPerMTok: 0.000001, outputPerMTok: 123456.654321 }),
      ).record;
      expect(await prices.get(db, p.id)).toMatchObject({
        inputPerMTok: 0.000001,
        outputPerMTok: 123456.654321,
        cachedInputPerMTok: null,
      });
    });
  });
}
