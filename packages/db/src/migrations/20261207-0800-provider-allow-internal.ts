import type { Kysely } from "kysely";

/**
 * Expand-only: providers get `allow_internal` (the provider may be reached on loopback, private or link-local
 * addresses: an in-cluster Ollama or vLLM), defaulting to false. A control plane one release older ignores the
 * column and keeps writing rows that hold the default.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("providers")
    .addColumn("allow_internal", "boolean", (c) => c.notNull().defaultTo(false))
    .execute();
}
