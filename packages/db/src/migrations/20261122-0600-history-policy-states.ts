import { type Kysely, sql } from "kysely";

/**
 * Expand-only: history keeps each distinct policy state (providers, routes, limits) once. Most published
 * snapshots differ only in keys and consumers, and with a limit per consumer the policy part alone can be
 * megabytes, so storing it per snapshot would fill the disk. Rows written before this migration keep their
 * policy inline in `config_snapshots.content` (no `policy_digest`) and stay readable.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("config_policy_states")
    .addColumn("digest", "text", (c) => c.primaryKey())
    .addColumn("content", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.alterTable("config_snapshots").addColumn("policy_digest", "text").execute();
  await db.schema
    .createIndex("config_snapshots_policy_digest_idx")
    .on("config_snapshots")
    .column("policy_digest")
    .execute();
}
