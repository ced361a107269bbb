import { afterAll, describe } from "vitest";
import { createDb, type Db, migrateToLatest } from "./index.ts";
import { storeSuite } from "./test-suite/store-suite.ts";

describe("store on PGlite (in memory)", () => {
  const opened: Db[] = [];

  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close()));
  });

  storeSuite(async () => {
    const db = createDb({ pgliteMemory: true });
    opened.push(db);
    await migrateToLatest(db);
    return db;
  });
});
