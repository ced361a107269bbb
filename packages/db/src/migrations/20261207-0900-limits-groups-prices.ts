import { type Kysely, sql } from "kysely";

/**
 * The default price catalog, USD per million tokens: [model, input, output, cached input or null (the input
 * price)]. Seeded 2026-12-07 from the providers' public list prices (standard tier, prompts up to 200k tokens
 * for Gemini); operators own the catalog from then on and edit it through `/admin/v1/prices`.
 */
const DEFAULT_PRICES: readonly (readonly [string, number, number, number | null])[] = [
  ["gpt-4o", 2.5, 10, 1.25],
  ["gpt-4o-mini", 0.15, 0.6, 0.075],
  ["gpt-4.1", 2, 8, 0.5],
  ["gpt-4.1-mini", 0.4, 1.6, 0.1],
  ["gpt-4.1-nano", 0.1, 0.4, 0.025],
  ["gpt-5", 1.25, 10, 0.125],
  ["gpt-5-mini", 0.25, 2, 0.025],
  ["o3", 2, 8, 0.5],
  ["o3-mini", 1.1, 4.4, 0.55],
  ["o4-mini", 1.1, 4.4, 0.275],
  ["text-embedding-3-small", 0.02, 0, null],
  ["text-embedding-3-large", 0.13, 0, null],
  ["claude-sonnet-4-5", 3, 15, 0.3],
  ["claude-haiku-4-5", 1, 5, 0.1],
  ["claude-opus-4-1", 15, 75, 1.5],
  ["gemini-2.5-pro", 1.25, 10, null],
  ["gemini-2.5-flash", 0.3, 2.5, null],
];

/**
 * Expand-only, for the limits issue:
 * - `consumer_groups` (revisioned like the other policy tables) and a nullable `consumers.group_id`; a group
 *   with members cannot be deleted (the foreign key restricts; the admin API answers 409 first).
 * - `prices`, one row per upstream model, seeded with {@link DEFAULT_PRICES}; each seeded row gets its change
 *   row, so the next snapshot has a newer generation than any published before the catalog existed.
 * - limits: `window` becomes nullable (concurrency has none), `mode`, `on_unpriced` and `stream_cutoff` are
 *   added with the defaults an older control plane's rows mean, and `limit` widens from bigint to
 *   numeric(26,6) so a USD budget keeps micro-dollar precision (integers are unchanged).
 * - The failure policies of the first release are renamed in place: `deny` is `fail-closed`, `allow`
 *   `fail-open`. Readers still normalise the old names (history content written before this migration).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("consumer_groups")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("consumer_groups_name_key", ["name"])
    .execute();
  await db.schema
    .alterTable("consumers")
    .addColumn("group_id", "uuid", (c) => c.references("consumer_groups.id").onDelete("restrict"))
    .execute();
  await db.schema.createIndex("consumers_group_id_idx").on("consumers").column("group_id").execute();

  await db.schema
    .createTable("prices")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("input_per_mtok", "numeric(14, 6)", (c) => c.notNull())
    .addColumn("output_per_mtok", "numeric(14, 6)", (c) => c.notNull())
    .addColumn("cached_input_per_mtok", "numeric(14, 6)")
    .addColumn("revision", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("prices_model_key", ["model"])
    .execute();
  const seeded = await db
    .insertInto("prices")
    .values(
      DEFAULT_PRICES.map(([model, input, output, cached]) => ({
        model,
        input_per_mtok: input,
        output_per_mtok: output,
        cached_input_per_mtok: cached,
      })),
    )
    .returning("id")
    .execute();
  if (seeded.length > 0) {
    await db
      .insertInto("config_changes")
      .values(seeded.map((r) => ({ entity_kind: "price", entity_id: r.id, op: "create" })))
      .execute();
  }

  await db.schema
    .alterTable("limits")
    .alterColumn("window", (c) => c.dropNotNull())
    .execute();
  await db.schema
    .alterTable("limits")
    .addColumn("mode", "text", (c) => c.notNull().defaultTo("enforce"))
    .addColumn("on_unpriced", "text", (c) => c.notNull().defaultTo("deny"))
    .addColumn("stream_cutoff", "boolean", (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`alter table limits alter column "limit" type numeric(26, 6)`.execute(db);
  await sql`update limits set failure_policy = case failure_policy when 'deny' then 'fail-closed' when 'allow' then 'fail-open' end where failure_policy in ('deny', 'allow')`.execute(
    db,
  );
}
