import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import {
  apiKeys,
  applyRollback,
  consumers,
  type Db,
  groups,
  historyContentOf,
  isEmptyPlan,
  limits,
  loadConfigRows,
  planRollback,
  prices,
  providers,
  routes,
  snapshotHistory,
} from "../index.ts";
import { type FreshDb, unwrap } from "./helpers.ts";

const timeouts = { connectTimeoutMs: 100, firstByteTimeoutMs: 200 };

async function state(db: Db) {
  const rows = await loadConfigRows(db);
  const existing = {
    consumerIds: new Set(rows.consumers.map((c) => c.id)),
    groupIds: new Set(rows.groups.map((g) => g.id)),
  };
  return { rows, content: historyContentOf(rows), existing };
}

/** Snapshot history and rollback. */
export function historySuite(fresh: FreshDb): void {
  describe("snapshot history", () => {
    let db: Db;
    beforeAll(async () => {
      db = await fresh();
    });

    it("records entries once per generation, lists newest first, finds by version prefix, keeps the newest N", async () => {
      const content = { providers: [], routes: [], limits: [], prices: [], consumers: 0, groups: 0, apiKeys: 0 };
      for (const g of [1n, 2n, 3n, 4n]) {
        await snapshotHistory.record(db, { generation: g, version: `${"a".repeat(63)}${g}`, content }, 3);
      }
      // A second replica recording the same generation changes nothing.
      await snapshotHistory.record(db, { generation: 4n, version: "f".repeat(64), content }, 3);
      const all = await snapshotHistory.list(db, { limit: 10 });
      expect(all.map((e) => e.generation)).toEqual([4n, 3n, 2n]);
      expect(all[0]?.version).toBe(`${"a".repeat(63)}4`);
      expect((await snapshotHistory.list(db, { limit: 10, before: 4n })).map((e) => e.generation)).toEqual([3n, 2n]);
      expect((await snapshotHistory.find(db, `${"a".repeat(63)}3`))?.generation).toBe(3n);
      expect(await snapshotHistory.find(db, "aaaaaaaa")).toBeNull();
      expect(await snapshotHistory.find(db, "not-hex")).toBeNull();
    });

    it("stores each distinct policy once, drops unreferenced ones, and still reads rows with inline content", async () => {
      const limit = {
        id: "40000000-0000-4000-8000-000000000001",
        kind: "requests",
        window: "minute",
        scope: "global",
        scopeId: "",
        limit: 5,
        failurePolicy: "fail-closed",
        mode: "shadow",
        onUnpriced: "deny",
        streamCutoff: false,
      } as const;
      const policy = { providers: [], routes: [], limits: [limit], prices: [] };
      const states = async () => (await db.kysely.selectFrom("config_policy_states").select("digest").execute()).length;
      // Two snapshots differing only in keys share one policy state.
      const before = await states();
      await snapshotHistory.record(
        db,
        { generation: 10n, version: "b".repeat(64), content: { ...policy, consumers: 1, groups: 0, apiKeys: 1 } },
        3,
      );
      await snapshotHistory.record(
        db,
        { generation: 11n, version: "c".repeat(64), content: { ...policy, consumers: 1, groups: 2, apiKeys: 2 } },
        3,
      );
      expect(await states()).toBe(before + 1);
      const found = await snapshotHistory.find(db, "c".repeat(64));
      expect(found?.content).toEqual({ ...policy, consumers: 1, groups: 2, apiKeys: 2 });
      expect(found?.counts).toEqual({
        providers: 0,
        routes: 0,
        limits: 1,
        prices: 0,
        consumers: 1,
        groups: 2,
        apiKeys: 2,
      });
      expect((await snapshotHistory.newest(db))?.version).toBe("c".repeat(64));
      // A new policy, then two more entries: with keep = 3 the first policy state is no longer referenced.
      const other = { providers: [], routes: [], limits: [], prices: [] };
      for (const g of [12n, 13n, 14n]) {
        await snapshotHistory.record(
          db,
          {
            generation: g,
            version: `${g}`.padStart(64, "d"),
            content: { ...other, consumers: 0, groups: 0, apiKeys: 0 },
          },
          3,
        );
      }
      expect(await states()).toBe(1);
      expect(await snapshotHistory.find(db, "c".repeat(64))).toBeNull();
      // A row written before policy states existed carries its content inline.
      await sql`insert into config_snapshots (generation, version, content) values (15, ${"e".repeat(64)}, ${JSON.stringify({ ...policy, consumers: 3, apiKeys: 4 })})`.execute(
        db.kysely,
      );
      expect((await snapshotHistory.find(db, "e".repeat(64)))?.content.limits).toEqual([limit]);
      expect((await snapshotHistory.list(db, { limit: 1 }))[0]?.counts).toMatchObject({ limits: 1, apiKeys: 4 });
    });

    it("reads states written before apiVersion, strict and allowInternal existed with their defaults", async () => {
      const provider = { id: "p", name: "p", kind: "openai", baseUrl: "https://x.example", apiKey: null, ...timeouts };
      const route = { id: "r", alias: "gpt", providerId: "p", upstreamModel: "m" };
      // A limit as the first release wrote it: old failure policy name, none of the limits issue's fields.
      const limit = { id: "l", kind: "requests", window: "minute", scope: "global", scopeId: "", limit: 3 };
      const old = {
        providers: [provider],
        routes: [route],
        limits: [
          { ...limit, failurePolicy: "deny" },
          { ...limit, id: "l2", failurePolicy: "allow" },
        ],
      };
      await sql`insert into config_snapshots (generation, version, content) values (20, ${"9".repeat(64)}, ${JSON.stringify({ ...old, consumers: 0, apiKeys: 0 })})`.execute(
        db.kysely,
      );
      const digest = "0".repeat(64);
      await sql`insert into config_policy_states (digest, content) values (${digest}, ${JSON.stringify(old)})`.execute(
        db.kysely,
      );
      await sql`insert into config_snapshots (generation, version, content, policy_digest) values (21, ${"8".repeat(64)}, ${JSON.stringify({ counts: { providers: 1, routes: 1, limits: 0, consumers: 0, apiKeys: 0 } })}, ${digest})`.execute(
        db.kysely,
      );
      for (const version of ["9".repeat(64), "8".repeat(64)]) {
        const found = await snapshotHistory.find(db, version);
        expect(found?.content.providers).toEqual([{ ...provider, apiVersion: null, allowInternal: false }]);
        expect(found?.content.routes).toEqual([{ ...route, strict: false }]);
        const defaults = { mode: "enforce", onUnpriced: "deny", streamCutoff: false };
        expect(found?.content.limits).toEqual([
          { ...limit, failurePolicy: "fail-closed", ...defaults },
          { ...limit, id: "l2", failurePolicy: "fail-open", ...defaults },
        ]);
        // Recorded before the price catalog: a rollback to it leaves prices alone.
        expect(found?.content.prices).toBeNull();
        expect(found?.content.groups).toBe(0);
      }
    });
  });

  describe("rollback", () => {
    let db: Db;
    beforeAll(async () => {
      db = await fresh();
    });

    it("restores providers, routes and limits (renames, re-creates, deletes) and leaves consumers and keys alone", async () => {
      const a = unwrap(
        await providers.create(db, {
          name: "a",
          kind: "mock",
          apiKey: { ciphertext: "old", keyId: "k1" },
          ...timeouts,
        }),
      ).record;
      const b = unwrap(await providers.create(db, { name: "b", kind: "mock", ...timeouts })).record;
      const ra = unwrap(await routes.create(db, { alias: "ra", providerId: a.id, upstreamModel: "m1" })).record;
      const c = unwrap(await consumers.create(db, { name: "c" })).record;
      const gone = unwrap(await consumers.create(db, { name: "gone" })).record;
      const limitFields = {
        kind: "requests",
        window: "minute",
        scope: "consumer",
        failurePolicy: "fail-closed",
      } as const;
      const lc = unwrap(await limits.create(db, { ...limitFields, scopeId: c.id, limit: 5 })).record;
      unwrap(await limits.create(db, { ...limitFields, scopeId: gone.id, limit: 7 }));
      const target = await state(db);

      // Later: names swap, a route is retargeted (and made strict) and another added, a provider and a limit deleted, a key made.
      unwrap(await providers.update(db, a.id, { name: "tmp", apiKey: { ciphertext: "new", keyId: "k1" } }));
      unwrap(await providers.update(db, b.id, { name: "a" }));
      unwrap(await providers.update(db, a.id, { name: "b" }));
      unwrap(await routes.update(db, ra.id, { providerId: b.id, upstreamModel: "m2", strict: true }));
      const extra = unwrap(await providers.create(db, { name: "extra", kind: "mock", ...timeouts })).record;
      unwrap(await routes.create(db, { alias: "rb", providerId: extra.id, upstreamModel: "x" }));
      unwrap(await limits.remove(db, lc.id));
      unwrap(await consumers.remove(db, gone.id));
      unwrap(await apiKeys.createKey(db, { consumerId: c.id, name: "k", prefix: "sk-sy-x", hash: "h".repeat(64) }));
      // Prices come back too: one repriced, one removed, one added; a group made meanwhile stays.
      const [first, second] = (await prices.list(db, { limit: 2 })).items;
      unwrap(await prices.update(db, first!.id, { inputPerMTok: 99 }));
      unwrap(await prices.remove(db, second!.id));
      unwrap(await prices.create(db, { model: second!.model, inputPerMTok: 1, outputPerMTok: 1 }));
      unwrap(await groups.create(db, { name: "kept-team" }));

      const now = await state(db);
      const plan = planRollback(now.content, target.content, now.existing);
      expect(plan.skipped).toEqual([
        { kind: "limit", id: expect.any(String), reason: expect.stringContaining(gone.id) },
      ]);
      expect(plan.providers.remove.map((p) => p.name)).toEqual(["extra"]);
      const done = unwrap(await applyRollback(db, plan, now.rows.generation));
      expect(done.generation).toBeGreaterThan(now.rows.generation);

      const after = await state(db);
      expect(after.content.providers).toEqual(target.content.providers);
      expect(after.content.routes).toEqual(target.content.routes);
      expect(after.content.limits).toEqual(target.content.limits.filter((l) => l.scopeId !== gone.id));
      expect(after.content.prices).toEqual(target.content.prices);
      expect(after.rows.groups.map((g) => g.name)).toEqual(["kept-team"]);
      expect(after.rows.apiKeys).toHaveLength(1);
      expect(after.rows.consumers.map((x) => x.name)).toEqual(["c"]);
      expect(after.rows.generation).toBe(done.generation);
      // Revisions moved on, so an If-Match from before the rollback cannot silently overwrite it.
      expect((await providers.get(db, a.id))?.revision).toBeGreaterThan(a.revision);
      expect(isEmptyPlan(planRollback(after.content, target.content, after.existing))).toBe(true);
    });

    it("refuses to apply a plan made before another write committed, and writes nothing", async () => {
      const p = unwrap(await providers.create(db, { name: "late", kind: "mock", ...timeouts })).record;
      const target = await state(db);
      unwrap(await routes.create(db, { alias: "late-route", providerId: p.id, upstreamModel: "m" }));
      const planned = await state(db);
      const plan = planRollback(planned.content, target.content, planned.existing);
      unwrap(await consumers.create(db, { name: "meanwhile" }));
      const res = await applyRollback(db, plan, planned.rows.generation);
      expect(res).toMatchObject({ ok: false, error: { kind: "conflict" } });
      expect((await state(db)).content.routes.map((r) => r.alias)).toContain("late-route");
    });
  });
}
