import type { Kysely } from "kysely";

/**
 * Expand-only: providers get `api_version` (Azure OpenAI's `api-version`; null means the adapter's default) and
 * routes get `strict` (refuse parameters the target cannot honour), defaulting to false. A control plane one
 * release older ignores both columns and keeps writing rows that hold the defaults.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("providers").addColumn("api_version", "text").execute();
  await db.schema
    .alterTable("routes")
    .addColumn("strict", "boolean", (c) => c.notNull().defaultTo(false))
    .execute();
}
