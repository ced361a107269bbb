import { beforeAll, describe, expect, it } from "vitest";
import { apiKeys, consumers, currentGeneration, type Db, loadConfigRows } from "../index.ts";
import { expectNoChange, expectOneChange, type FreshDb, failure, unwrap } from "./helpers.ts";

const MISSING = "00000000-0000-4000-8000-000000000000";

/** API keys: create, list without hashes, revoke, and what reaches the snapshot. */
export function apiKeysSuite(fresh: FreshDb): void {
  describe("api keys", () => {
    let db: Db;
    let consumerId: string;
    let otherId: string;
    beforeAll(async () => {
      db = await fresh();
      consumerId = unwrap(await consumers.create(db, { name: "owner" })).record.id;
      otherId = unwrap(await consumers.create(db, { name: "other" })).record.id;
    });

    it("creates a key, never returns its hash, and appends one create change", async () => {
      const before = await currentGeneration(db);
      const { record, generation } = unwrap(
        await apiKeys.createKey(db, { consumerId, name: "ci", prefix: "sy_ab12", hash: "hash-1" }),
      );
      expect(record).toMatchObject({ consumerId, name: "ci", prefix: "sy_ab12", revokedAt: null });
      expect(record).not.toHaveProperty("hash");
      expect(record.createdAt).toBeInstanceOf(Date);
      await expectOneChange(db, before, generation, "api_key", record.id, "create");
      const listed = await apiKeys.listKeys(db, consumerId);
      expect(listed).toEqual([record]);
      expect(listed?.[0]).not.toHaveProperty("hash");
    });

    it("answers a reused hash with a conflict on hash and a missing consumer with not_found", async () => {
      unwrap(await apiKeys.createKey(db, { consumerId, prefix: "sy_", hash: "hash-dup" }));
      const before = await currentGeneration(db);
      const dup = failure(await apiKeys.createKey(db, { consumerId: otherId, prefix: "sy_", hash: "hash-dup" }));
      expect(dup).toMatchObject({ kind: "conflict", field: "hash" });
      for (const id of [MISSING, "nope"]) {
        expect(failure(await apiKeys.createKey(db, { consumerId: id, prefix: "sy_", hash: `h-${id}` })).kind).toBe(
          "not_found",
        );
        expect(await apiKeys.listKeys(db, id)).toBeNull();
      }
      await expectNoChange(db, before);
    });

    it("revokes once, keeps the key listed, and drops it from the config rows", async () => {
      const key = unwrap(await apiKeys.createKey(db, { consumerId, prefix: "sy_", hash: "hash-revoke" })).record;
      const active = unwrap(await apiKeys.createKey(db, { consumerId, prefix: "sy_", hash: "hash-active" })).record;
      expect((await loadConfigRows(db)).apiKeys).toContainEqual({ id: key.id, consumerId, hash: "hash-revoke" });

      const before = await currentGeneration(db);
      const { record, generation } = unwrap(await apiKeys.revokeKey(db, consumerId, key.id));
      expect(record.revokedAt).toBeInstanceOf(Date);
      await expectOneChange(db, before, generation, "api_key", key.id, "update");
      expect((await apiKeys.listKeys(db, consumerId))?.find((k) => k.id === key.id)).toEqual(record);

      const rows = await loadConfigRows(db);
      expect(rows.apiKeys.map((k) => k.id)).not.toContain(key.id);
      expect(rows.apiKeys).toContainEqual({ id: active.id, consumerId, hash: "hash-active" });

      expect(failure(await apiKeys.revokeKey(db, consumerId, key.id))).toMatchObject({ kind: "conflict" });
      expect(failure(await apiKeys.revokeKey(db, otherId, active.id)).kind).toBe("not_found");
      expect(failure(await apiKeys.revokeKey(db, consumerId, MISSING)).kind).toBe("not_found");
      await expectNoChange(db, generation);
    });
  });
}
