import { beforeAll, describe, expect, it } from "vitest";
import { consumers, currentGeneration, type Db, type GroupInput, groups, limits, loadConfigRows } from "../index.ts";
import { crudSuite } from "./crud-suite.ts";
import { expectNoChange, type FreshDb, failure, unwrap } from "./helpers.ts";

/** Consumer group CRUD, membership and the references that block a delete. */
export function groupsSuite(fresh: FreshDb): void {
  crudSuite(fresh, {
    kind: "group",
    repo: groups,
    setup:
      async () =>
      (i: number): GroupInput => ({ name: `team-${i}` }),
    patch: { name: "renamed" },
    patched: { name: "renamed" },
  });

  describe("groups", () => {
    let db: Db;
    beforeAll(async () => {
      db = await fresh();
    });

    it("answers a taken name with a conflict on name", async () => {
      unwrap(await groups.create(db, { name: "taken" }));
      expect(failure(await groups.create(db, { name: "taken" }))).toMatchObject({ kind: "conflict", field: "name" });
    });

    it("puts consumers in a group, moves them out, and refuses an unknown group on groupId", async () => {
      const g = unwrap(await groups.create(db, { name: "search" })).record;
      const c = unwrap(await consumers.create(db, { name: "member", groupId: g.id })).record;
      expect(c.groupId).toBe(g.id);
      expect((await loadConfigRows(db)).consumers.find((x) => x.id === c.id)?.groupId).toBe(g.id);
      expect(unwrap(await consumers.update(db, c.id, { groupId: null })).record.groupId).toBeNull();
      const before = await currentGeneration(db);
      const missing = "00000000-0000-4000-8000-000000000000";
      expect(failure(await consumers.create(db, { name: "orphan", groupId: missing }))).toMatchObject({
        kind: "reference",
        field: "groupId",
      });
      expect(failure(await consumers.update(db, c.id, { groupId: missing }))).toMatchObject({
        kind: "reference",
        field: "groupId",
      });
      await expectNoChange(db, before);
    });

    it("refuses to delete a group with members or group limits, and deletes it once both are gone", async () => {
      const g = unwrap(await groups.create(db, { name: "doomed" })).record;
      const c = unwrap(await consumers.create(db, { name: "doomed-member", groupId: g.id })).record;
      const limit = unwrap(
        await limits.create(db, {
          kind: "cost_usd",
          window: "month",
          scope: "consumer_group",
          scopeId: g.id,
          limit: 250.123456,
          failurePolicy: "local",
          onUnpriced: "allow",
        }),
      ).record;
      expect(limit.limit).toBe(250.123456);
      const before = await currentGeneration(db);
      expect(failure(await groups.remove(db, g.id))).toMatchObject({
        kind: "reference",
        message: expect.stringContaining("consumers"),
      });
      unwrap(await consumers.update(db, c.id, { groupId: null }));
      const afterMove = await currentGeneration(db);
      expect(afterMove).toBe(before + 1n);
      expect(failure(await groups.remove(db, g.id))).toMatchObject({
        kind: "reference",
        message: expect.stringContaining("limits"),
      });
      await expectNoChange(db, afterMove);
      unwrap(await limits.remove(db, limit.id));
      unwrap(await groups.remove(db, g.id));
      expect(await groups.get(db, g.id)).toBeNull();
    });
  });
}
