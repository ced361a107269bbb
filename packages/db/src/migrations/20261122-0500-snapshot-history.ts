import { type Kysely, sql } from "kysely";

/**
 * Expand-only: every published snapshot's rollback-relevant content, by generation. Provider credentials are
 * kept sealed, exactly as in `providers`, so history never holds a plaintext key.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("config_snapshots")
    .addColumn("generation", "bigint", (c) => c.primaryKey())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("content", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("config_snapshots_version_idx").on("config_snapshots").column("version").execute();
}
