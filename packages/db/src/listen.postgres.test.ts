import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PostgresInstance, startPostgres } from "../../../test/harness/index.ts";
import { CONFIG_CHANGES_CHANNEL, consumers, createDb, type Db, migrateToLatest } from "./index.ts";

const until = async (check: () => boolean, what: string, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("LISTEN on PostgreSQL", () => {
  let pg: PostgresInstance;
  let db: Db;
  beforeAll(async () => {
    pg = await startPostgres();
    db = createDb({ url: pg.url });
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await db?.close();
    await pg?.stop();
  });

  it("reconnects after the server restarts, says so, and hears changes again", async () => {
    const heard: string[] = [];
    const errors: string[] = [];
    let connects = 0;
    const stop = await db.listen(CONFIG_CHANGES_CHANNEL, {
      onPayload: (p) => heard.push(p),
      onConnected: () => {
        connects += 1;
      },
      onError: (m) => errors.push(m),
    });
    try {
      expect(connects).toBe(1);
      await consumers.create(db, { name: "before-restart" });
      await until(() => heard.length === 1, "first notification");
      // The harness runs with synchronous_commit=off; an immediate stop could otherwise lose the schema.
      await sql`checkpoint`.execute(db.kysely);
      await pg.kill();
      await until(() => errors.length > 0, "lost connection noticed");
      await pg.start();
      await until(() => connects === 2, "reconnected");
      await consumers.create(db, { name: "after-restart" });
      await until(() => heard.length === 2, "notification after restart");
      expect(heard[1]).toMatch(/^\d+:consumer:create$/);
    } finally {
      await stop();
    }
  }, 30_000);
});
