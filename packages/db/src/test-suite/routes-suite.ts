import { beforeAll, describe, expect, it } from "vitest";
import { currentGeneration, type Db, providers, type RouteInput, routes } from "../index.ts";
import { crudSuite } from "./crud-suite.ts";
import { expectNoChange, type FreshDb, failure, unwrap } from "./helpers.ts";

async function makeProvider(db: Db, name: string): Promise<string> {
  const input = { name, kind: "mock" as const, connectTimeoutMs: 1_000, firstByteTimeoutMs: 1_000 };
  return unwrap(await providers.create(db, input)).record.id;
}

const MISSING = "00000000-0000-4000-8000-000000000000";

/** Route CRUD plus unique aliases and the provider reference. */
export function routesSuite(fresh: FreshDb): void {
  crudSuite(fresh, {
    kind: "route",
    repo: routes,
    setup: async (db) => {
      const providerId = await makeProvider(db, "upstream");
      return (i: number): RouteInput => ({ alias: `model-${i}`, providerId, upstreamModel: "gpt-4o" });
    },
    patch: { upstreamModel: "gpt-4o-mini" },
    patched: { upstreamModel: "gpt-4o-mini" },
  });

  describe("routes", () => {
    let db: Db;
    let providerId: string;
    beforeAll(async () => {
      db = await fresh();
      providerId = await makeProvider(db, "upstream");
    });

    it("stores strict (false unless given), patches it, and keeps it on other updates", async () => {
      const plain = unwrap(await routes.create(db, { alias: "plain", providerId, upstreamModel: "m" })).record;
      expect(plain.strict).toBe(false);
      const strict = unwrap(await routes.create(db, { alias: "strict", providerId, upstreamModel: "m", strict: true }));
      expect(strict.record.strict).toBe(true);
      expect(unwrap(await routes.update(db, plain.id, { strict: true })).record.strict).toBe(true);
      expect(unwrap(await routes.update(db, plain.id, { upstreamModel: "n" })).record.strict).toBe(true);
      expect((await routes.get(db, strict.record.id))?.strict).toBe(true);
      expect(unwrap(await routes.update(db, strict.record.id, { strict: false })).record.strict).toBe(false);
    });

    it("answers a taken alias with a conflict on alias", async () => {
      unwrap(await routes.create(db, { alias: "gpt", providerId, upstreamModel: "a" }));
      const before = await currentGeneration(db);
      const e = failure(await routes.create(db, { alias: "gpt", providerId, upstreamModel: "b" }));
      expect(e).toMatchObject({ kind: "conflict", field: "alias" });
      await expectNoChange(db, before);
    });

    it("answers a missing or malformed provider with a reference error on providerId", async () => {
      const before = await currentGeneration(db);
      for (const id of [MISSING, "nope"]) {
        const e = failure(await routes.create(db, { alias: `x-${id}`, providerId: id, upstreamModel: "m" }));
        expect(e).toMatchObject({ kind: "reference", field: "providerId" });
      }
      await expectNoChange(db, before);
    });

    it("moves a route to another provider, and refuses a missing one on update", async () => {
      const route = unwrap(await routes.create(db, { alias: "movable", providerId, upstreamModel: "m" })).record;
      const second = await makeProvider(db, "second");
      const moved = unwrap(await routes.update(db, route.id, { providerId: second })).record;
      expect(moved.providerId).toBe(second);
      const before = await currentGeneration(db);
      const e = failure(await routes.update(db, route.id, { providerId: MISSING }));
      expect(e).toMatchObject({ kind: "reference", field: "providerId" });
      expect(await routes.get(db, route.id)).toEqual(moved);
      await expectNoChange(db, before);
    });
  });
}
