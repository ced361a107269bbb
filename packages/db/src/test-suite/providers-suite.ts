import { beforeAll, describe, expect, it } from "vitest";
import { currentGeneration, type Db, loadConfigRows, type ProviderInput, providers, routes } from "../index.ts";
import { crudSuite } from "./crud-suite.ts";
import { expectNoChange, type FreshDb, failure, unwrap } from "./helpers.ts";

const providerInput = (i: number): ProviderInput => ({
  name: `provider-${i}`,
  kind: "openai",
  baseUrl: "https://api.example.com/v1",
  connectTimeoutMs: 1_000,
  firstByteTimeoutMs: 2_000,
});

/** Provider CRUD plus what is special about providers: the sealed key, unique names, routes in use. */
export function providersSuite(fresh: FreshDb): void {
  crudSuite(fresh, {
    kind: "provider",
    repo: providers,
    setup: async () => providerInput,
    patch: { baseUrl: "https://other.example.com/v1", connectTimeoutMs: 1_500 },
    patched: { baseUrl: "https://other.example.com/v1", connectTimeoutMs: 1_500, firstByteTimeoutMs: 2_000 },
  });

  describe("providers", () => {
    let db: Db;
    beforeAll(async () => {
      db = await fresh();
    });

    it("stores a sealed key, shows only hasApiKey, keeps it on unrelated updates and clears it on null", async () => {
      const sealed = { ciphertext: "c2VhbGVk", keyId: "k1" };
      const { record } = unwrap(await providers.create(db, { ...providerInput(1), apiKey: sealed }));
      expect(record.hasApiKey).toBe(true);
      expect(record).not.toHaveProperty("apiKey");
      const row = async () => (await loadConfigRows(db)).providers.find((p) => p.id === record.id);
      expect((await row())?.apiKey).toEqual(sealed);

      const renamed = unwrap(await providers.update(db, record.id, { name: "renamed" })).record;
      expect(renamed.hasApiKey).toBe(true);
      const rotated = { ciphertext: "bmV3", keyId: "k2" };
      unwrap(await providers.update(db, record.id, { apiKey: rotated }));
      expect((await row())?.apiKey).toEqual(rotated);

      const cleared = unwrap(await providers.update(db, record.id, { apiKey: null })).record;
      expect(cleared.hasApiKey).toBe(false);
      expect((await row())?.apiKey).toBeNull();
    });

    it("stores an API version, changes it, returns to the default with null, and keeps it on other updates", async () => {
      const az = { ...providerInput(5), kind: "azure-openai" as const, baseUrl: "https://res.openai.azure.com" };
      const { record } = unwrap(await providers.create(db, { ...az, apiVersion: "2024-10-21" }));
      expect(record.apiVersion).toBe("2024-10-21");
      const row = async () => (await loadConfigRows(db)).providers.find((p) => p.id === record.id);
      expect((await row())?.apiVersion).toBe("2024-10-21");
      unwrap(await providers.update(db, record.id, { apiVersion: "2025-04-01-preview" }));
      expect((await providers.get(db, record.id))?.apiVersion).toBe("2025-04-01-preview");
      unwrap(await providers.update(db, record.id, { connectTimeoutMs: 3_000 }));
      expect((await row())?.apiVersion).toBe("2025-04-01-preview");
      expect(unwrap(await providers.update(db, record.id, { apiVersion: null })).record.apiVersion).toBeNull();
      expect(unwrap(await providers.create(db, providerInput(6))).record.apiVersion).toBeNull();
    });

    it("stores allowInternal (false unless given), patches it, and keeps it on other updates", async () => {
      const inside = unwrap(await providers.create(db, { ...providerInput(7), allowInternal: true })).record;
      expect(inside.allowInternal).toBe(true);
      const row = async () => (await loadConfigRows(db)).providers.find((p) => p.id === inside.id);
      expect((await row())?.allowInternal).toBe(true);
      unwrap(await providers.update(db, inside.id, { connectTimeoutMs: 3_000 }));
      expect((await providers.get(db, inside.id))?.allowInternal).toBe(true);
      expect(unwrap(await providers.update(db, inside.id, { allowInternal: false })).record.allowInternal).toBe(false);
      expect((await row())?.allowInternal).toBe(false);
      expect(unwrap(await providers.create(db, providerInput(8))).record.allowInternal).toBe(false);
    });

    it("stores a mock provider without base URL or key", async () => {
      const { record } = unwrap(
        await providers.create(db, { name: "mock", kind: "mock", connectTimeoutMs: 10, firstByteTimeoutMs: 20 }),
      );
      expect(record).toMatchObject({ kind: "mock", baseUrl: null, hasApiKey: false });
    });

    it("answers a taken name with a conflict on name, on create and on update", async () => {
      unwrap(await providers.create(db, providerInput(2)));
      const other = unwrap(await providers.create(db, providerInput(3))).record;
      const before = await currentGeneration(db);
      expect(failure(await providers.create(db, providerInput(2)))).toMatchObject({ kind: "conflict", field: "name" });
      const onUpdate = failure(await providers.update(db, other.id, { name: "provider-2" }));
      expect(onUpdate).toMatchObject({ kind: "conflict", field: "name" });
      expect((await providers.get(db, other.id))?.revision).toBe(1);
      await expectNoChange(db, before);
    });

    it("refuses to delete a provider a route uses", async () => {
      const provider = unwrap(await providers.create(db, providerInput(4))).record;
      unwrap(await routes.create(db, { alias: "in-use", providerId: provider.id, upstreamModel: "m" }));
      const before = await currentGeneration(db);
      expect(failure(await providers.remove(db, provider.id)).kind).toBe("reference");
      expect(await providers.get(db, provider.id)).toEqual(provider);
      await expectNoChange(db, before);
    });
  });
}
