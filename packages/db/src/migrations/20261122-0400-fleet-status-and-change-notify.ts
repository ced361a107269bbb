import { type Kysely, sql } from "kysely";

/**
 * Expand-only: data-plane node status shared by control-plane replicas, and a NOTIFY for every change row.
 *
 * The notification comes from a trigger rather than from the code that appends change rows, so every writer
 * notifies, including a replica one release older during a rolling upgrade. NOTIFY is delivered at commit,
 * so a listener never hears of a generation it cannot read yet. The payload is
 * `<generation>:<entity_kind>:<op>`, which lets a listener spot urgent changes (revocations) without a query.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function switchyard_notify_config_change() returns trigger language plpgsql as $$
    begin
      perform pg_notify('switchyard_config_changes', new.generation::text || ':' || new.entity_kind || ':' || new.op);
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger config_changes_notify after insert on config_changes
    for each row execute function switchyard_notify_config_change()`.execute(db);

  await db.schema
    .createTable("data_plane_nodes")
    .addColumn("node_id", "text", (c) => c.primaryKey())
    .addColumn("hostname", "text", (c) => c.notNull())
    .addColumn("labels", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("build_version", "text", (c) => c.notNull())
    .addColumn("protocol_version", "integer", (c) => c.notNull())
    .addColumn("stream_id", "text", (c) => c.notNull())
    .addColumn("replica_id", "text", (c) => c.notNull())
    .addColumn("compatible", "boolean", (c) => c.notNull())
    .addColumn("incompatibility", "text")
    .addColumn("connected", "boolean", (c) => c.notNull())
    .addColumn("connected_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull())
    .addColumn("acked_version", "text")
    .addColumn("acked_generation", "bigint")
    .addColumn("acked_at", "timestamptz")
    .addColumn("last_nack", "jsonb")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("data_plane_nodes_last_seen_idx").on("data_plane_nodes").column("last_seen_at").execute();
}
