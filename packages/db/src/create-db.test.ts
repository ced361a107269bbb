import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../../test/harness/index.ts";
import {
  consumers,
  createDb,
  currentGeneration,
  isSchemaCurrent,
  loadConfigRows,
  migrateToLatest,
  ping,
} from "./index.ts";

describe("createDb", () => {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-pglite-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps a PGlite data folder across close and reopen", async () => {
    const first = createDb({ pgliteDataDir: dir });
    expect(first.dialect).toBe("pglite");
    expect(await isSchemaCurrent(first)).toBe(false);
    await migrateToLatest(first);
    const created = await consumers.create(first, { name: "durable", metadata: { a: 1 } });
    if (!created.ok) throw new Error(created.error.message);
    await first.close();
    await first.close();

    const second = createDb({ pgliteDataDir: dir });
    try {
      expect(await isSchemaCurrent(second)).toBe(true);
      await migrateToLatest(second);
      expect(await consumers.get(second, created.value.record.id)).toEqual(created.value.record);
      expect(await currentGeneration(second)).toBe(created.value.generation);
      expect((await loadConfigRows(second)).generation).toBe(created.value.generation);
    } finally {
      await second.close();
    }
  });

  it("closes an in-memory PGlite that never ran a query", async () => {
    const db = createDb({ pgliteMemory: true });
    await expect(db.close()).resolves.toBeUndefined();
  });

  it("reports a PostgreSQL server that is not there as not pingable, without throwing", async () => {
    const port = await freePort();
    const db = createDb({ url: `postgres://postgres@127.0.0.1:${port}/none` });
    expect(db.dialect).toBe("postgres");
    try {
      expect(await ping(db)).toBe(false);
    } finally {
      await db.close();
    }
  });
});
