import { type Kysely, sql } from "kysely";

/**
 * The first schema: the five policy tables and the change log.
 *
 * Written against `Kysely<any>` on purpose: a migration describes the schema as it was on the day it was
 * written and must keep compiling when the `Database` type moves on. Constraints are named explicitly
 * because db-error.ts maps constraint names to the field a conflict is about.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("providers")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("base_url", "text")
    .addColumn("api_key_ciphertext", "text")
    .addColumn("api_key_key_id", "text")
    .addColumn("connect_timeout_ms", "integer", (c) => c.notNull())
    .addColumn("first_byte_timeout_ms", "integer", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("providers_name_key", ["name"])
    .execute();

  await db.schema
    .createTable("routes")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("alias", "text", (c) => c.notNull())
    .addColumn("provider_id", "uuid", (c) => c.notNull())
    .addColumn("upstream_model", "text", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("routes_alias_key", ["alias"])
    .addForeignKeyConstraint("routes_provider_id_fkey", ["provider_id"], "providers", ["id"], (fk) =>
      fk.onDelete("restrict"),
    )
    .execute();
  await db.schema.createIndex("routes_provider_id_idx").on("routes").column("provider_id").execute();

  await db.schema
    .createTable("consumers")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("metadata", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("enabled", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("revision", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("consumers_name_key", ["name"])
    .execute();

  await db.schema
    .createTable("api_keys")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("consumer_id", "uuid", (c) => c.notNull())
    .addColumn("name", "text")
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("revoked_at", "timestamptz")
    .addUniqueConstraint("api_keys_hash_key", ["hash"])
    .addForeignKeyConstraint("api_keys_consumer_id_fkey", ["consumer_id"], "consumers", ["id"], (fk) =>
      fk.onDelete("cascade"),
    )
    .execute();
  await db.schema.createIndex("api_keys_consumer_id_idx").on("api_keys").column("consumer_id").execute();

  // `window` and `limit` are SQL keywords; Kysely quotes every identifier, so they are safe as names.
  await db.schema
    .createTable("limits")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("window", "text", (c) => c.notNull())
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("scope_id", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("limit", "bigint", (c) => c.notNull())
    .addColumn("failure_policy", "text", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("limits_scope_idx").on("limits").columns(["scope", "scope_id"]).execute();

  await db.schema
    .createTable("config_changes")
    .addColumn("generation", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("entity_kind", "text", (c) => c.notNull())
    .addColumn("entity_id", "uuid", (c) => c.notNull())
    .addColumn("op", "text", (c) => c.notNull())
    .addColumn("changed_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint("config_changes_op_check", sql`op in ('create', 'update', 'delete')`)
    .execute();
}
