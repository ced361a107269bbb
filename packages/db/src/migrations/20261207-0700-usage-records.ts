import { type Kysely, sql } from "kysely";

/**
 * Expand-only: usage records and their daily totals, two new tables nothing older reads.
 *
 * `usage_records` holds one row per served request, keyed by the gateway's request id so a record replayed from
 * the stream is inserted once; raw rows are deleted after the retention period. `usage_daily` holds the sums
 * per UTC day, consumer, group, route and upstream model, kept for good. A consumer without a group is stored
 * with `group_id = ''` because a primary-key column cannot be null. Ids are text, not foreign keys: usage
 * outlives the consumers and routes it names.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("usage_records")
    .addColumn("request_id", "text", (c) => c.primaryKey())
    .addColumn("ts", "timestamptz", (c) => c.notNull())
    .addColumn("node_id", "text", (c) => c.notNull())
    .addColumn("consumer_id", "text", (c) => c.notNull())
    .addColumn("group_id", "text")
    .addColumn("route_id", "text", (c) => c.notNull())
    .addColumn("alias", "text", (c) => c.notNull())
    .addColumn("provider_id", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("input_tokens", "int8", (c) => c.notNull())
    .addColumn("output_tokens", "int8", (c) => c.notNull())
    .addColumn("cached_tokens", "int8", (c) => c.notNull())
    .addColumn("reasoning_tokens", "int8", (c) => c.notNull())
    .addColumn("cost_micro_usd", "int8")
    .addColumn("status", "int4", (c) => c.notNull())
    .addColumn("latency_ms", "int4", (c) => c.notNull())
    .addColumn("streamed", "boolean", (c) => c.notNull())
    .addColumn("inserted_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Time-range reads and the retention delete walk ts; per-consumer reads add the consumer in front.
  await db.schema.createIndex("usage_records_ts_idx").on("usage_records").column("ts").execute();
  await db.schema
    .createIndex("usage_records_consumer_ts_idx")
    .on("usage_records")
    .columns(["consumer_id", "ts"])
    .execute();

  await db.schema
    .createTable("usage_daily")
    .addColumn("day", "date", (c) => c.notNull())
    .addColumn("consumer_id", "text", (c) => c.notNull())
    .addColumn("group_id", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("route_id", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("requests", "int8", (c) => c.notNull())
    .addColumn("input_tokens", "int8", (c) => c.notNull())
    .addColumn("output_tokens", "int8", (c) => c.notNull())
    .addColumn("cached_tokens", "int8", (c) => c.notNull())
    .addColumn("reasoning_tokens", "int8", (c) => c.notNull())
    .addColumn("cost_micro_usd", "int8", (c) => c.notNull())
    .addColumn("unpriced_requests", "int8", (c) => c.notNull())
    .addPrimaryKeyConstraint("usage_daily_pkey", ["day", "consumer_id", "group_id", "route_id", "model"])
    .execute();
}
