import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { Migrator } from "kysely/migration";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type PostgresInstance, startPostgres } from "../../../test/harness/index.ts";
import { createDb, type Db, isSchemaCurrent, loadConfigRows, migrateToLatest, providers } from "./index.ts";
import { migrationProvider, migrations } from "./migrations/index.ts";

const known = Object.keys(migrations).sort();

async function appliedNames(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db.kysely);
  return rows.map((r) => r.name);
}

/** Runs migrateToLatest in a separate Node process, the way two control planes would start at once. */
function migrateInChild(url: string): Promise<number | null> {
  const entry = fileURLToPath(new URL("./index.ts", import.meta.url));
  const script = `import { createDb, migrateToLatest } from ${JSON.stringify(entry)};
const db = createDb({ url: process.argv[1] });
try { await migrateToLatest(db); } finally { await db.close(); }`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, url], { stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", resolve);
  });
}

describe("migrations on PostgreSQL", () => {
  let pg: PostgresInstance;
  const opened: Db[] = [];
  let n = 0;
  const freshDb = async (count = 1): Promise<Db[]> => {
    const url = await createDatabase(pg, `migrate_${++n}`);
    const dbs = Array.from({ length: count }, () => createDb({ url }, 2));
    opened.push(...dbs);
    return dbs;
  };

  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close()));
    await pg?.stop();
  });

  it("reports an empty database as not current, migrates it, and does nothing the second time", async () => {
    const [db] = await freshDb();
    expect(await isSchemaCurrent(db!)).toBe(false);
    await migrateToLatest(db!);
    expect(await isSchemaCurrent(db!)).toBe(true);
    const provider = { name: "p", kind: "mock" as const, connectTimeoutMs: 1, firstByteTimeoutMs: 1 };
    const created = await providers.create(db!, provider);
    expect(created.ok).toBe(true);
    await migrateToLatest(db!);
    expect(await appliedNames(db!)).toEqual(known);
    expect((await providers.list(db!, { limit: 10 })).items).toHaveLength(1);
  });

  it("gives rows written before the api_version/strict/allow_internal migrations the defaults", async () => {
    const [db] = await freshDb();
    const upTo = new Migrator({ db: db!.kysely, provider: migrationProvider });
    expect((await upTo.migrateTo("20261122_0600_history_policy_states")).error).toBeUndefined();
    await sql`insert into providers (id, name, kind, connect_timeout_ms, first_byte_timeout_ms) values ('00000000-0000-4000-8000-000000000001', 'old', 'openai', 1, 1)`.execute(
      db!.kysely,
    );
    await sql`insert into routes (alias, provider_id, upstream_model) values ('gpt', '00000000-0000-4000-8000-000000000001', 'm')`.execute(
      db!.kysely,
    );
    await migrateToLatest(db!);
    const rows = await loadConfigRows(db!);
    expect(rows.providers.map((p) => p.apiVersion)).toEqual([null]);
    expect(rows.providers.map((p) => p.allowInternal)).toEqual([false]);
    expect(rows.routes.map((r) => r.strict)).toEqual([false]);
  });

  it("moves limits written before the limits issue to the new failure policy names and defaults", async () => {
    const [db] = await freshDb();
    const upTo = new Migrator({ db: db!.kysely, provider: migrationProvider });
    expect((await upTo.migrateTo("20261122_0700_provider_api_version_route_strict")).error).toBeUndefined();
    await sql`insert into consumers (id, name) values ('00000000-0000-4000-8000-000000000009', 'old')`.execute(
      db!.kysely,
    );
    for (const [id, policy] of [
      ["00000000-0000-4000-8000-000000000001", "deny"],
      ["00000000-0000-4000-8000-000000000002", "allow"],
    ]) {
      await sql`insert into limits (id, kind, "window", scope, scope_id, "limit", failure_policy) values (${id}, 'requests', 'minute', 'consumer', '00000000-0000-4000-8000-000000000009', ${2 ** 53 - 1}, ${policy})`.execute(
        db!.kysely,
      );
    }
    await migrateToLatest(db!);
    const rows = await loadConfigRows(db!);
    expect(rows.limits.map((l) => [l.failurePolicy, l.mode, l.onUnpriced, l.streamCutoff, l.limit])).toEqual([
      ["fail-closed", "enforce", "deny", false, 2 ** 53 - 1],
      ["fail-open", "enforce", "deny", false, 2 ** 53 - 1],
    ]);
    const stored = await sql<{ p: string }>`select failure_policy as p from limits order by id`.execute(db!.kysely);
    expect(stored.rows.map((r) => r.p)).toEqual(["fail-closed", "fail-open"]);
    expect(rows.consumers.map((c) => c.groupId)).toEqual([null]);
    expect(rows.groups).toEqual([]);
    expect(rows.prices.map((p) => p.model)).toContain("claude-sonnet-4-5");
    // Each seeded price has its change row, so the next snapshot is newer than any built before.
    expect(rows.generation).toBe(BigInt(rows.prices.length));
  });

  it("lets several pools migrate the same database at once; each migration runs exactly once", async () => {
    const dbs = await freshDb(6);
    await Promise.all(dbs.map((db) => migrateToLatest(db)));
    for (const db of dbs) expect(await isSchemaCurrent(db)).toBe(true);
    expect(await appliedNames(dbs[0]!)).toEqual(known);
  });

  it("lets several processes migrate the same database at once", async () => {
    const url = await createDatabase(pg, `migrate_${++n}`);
    const codes = await Promise.all([migrateInChild(url), migrateInChild(url), migrateInChild(url)]);
    expect(codes).toEqual([0, 0, 0]);
    const db = createDb({ url });
    opened.push(db);
    expect(await appliedNames(db)).toEqual(known);
  });

  it("accepts a database a newer release has migrated further (schema changes only expand)", async () => {
    const [db] = await freshDb();
    await migrateToLatest(db!);
    await sql`insert into kysely_migration (name, timestamp) values ('29991231_2359_from_the_future', ${new Date().toISOString()})`.execute(
      db!.kysely,
    );
    expect(await isSchemaCurrent(db!)).toBe(true);
    await expect(migrateToLatest(db!)).resolves.toBeUndefined();
  });
});
