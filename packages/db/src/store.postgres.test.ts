import { afterAll, beforeAll, describe } from "vitest";
import { createDatabase, type PostgresInstance, startPostgres } from "../../../test/harness/index.ts";
import { createDb, type Db, migrateToLatest } from "./index.ts";
import { storeSuite } from "./test-suite/store-suite.ts";

describe("store on PostgreSQL", () => {
  let pg: PostgresInstance;
  const opened: Db[] = [];
  let n = 0;

  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close()));
    await pg?.stop();
  });

  storeSuite(async () => {
    const url = await createDatabase(pg, `store_${++n}`);
    const db = createDb({ url }, 30);
    opened.push(db);
    await migrateToLatest(db);
    return db;
  });
});
