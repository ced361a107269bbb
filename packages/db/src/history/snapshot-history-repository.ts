import { sql } from "kysely";
import type { Db } from "../create-db.ts";
import type { HistoryContent } from "./history-content.ts";

/** One published snapshot in history. */
export interface HistoryEntry {
  readonly generation: bigint;
  readonly version: string;
  readonly createdAt: Date;
  readonly content: HistoryContent;
}

/**
 * Records a published snapshot and trims history to the newest `keep` entries. Replicas building the same
 * generation build the same version, so a second insert of a generation is simply skipped.
 */
export async function record(
  db: Db,
  entry: { generation: bigint; version: string; content: HistoryContent },
  keep: number,
): Promise<void> {
  await db.kysely
    .insertInto("config_snapshots")
    .values({ generation: entry.generation, version: entry.version, content: JSON.stringify(entry.content) })
    .onConflict((oc) => oc.column("generation").doNothing())
    .execute();
  await sql`
    delete from config_snapshots where generation < (
      select generation from config_snapshots order by generation desc offset ${Math.max(0, keep - 1)} limit 1
    )`.execute(db.kysely);
}

/** Newest first, `limit` entries older than generation `before` (all when absent); content included. */
export async function list(db: Db, opts: { limit: number; before?: bigint }): Promise<HistoryEntry[]> {
  const rows = await db.kysely
    .selectFrom("config_snapshots")
    .selectAll()
    .$if(opts.before !== undefined, (qb) => qb.where("generation", "<", opts.before as bigint))
    .orderBy("generation", "desc")
    .limit(opts.limit)
    .execute();
  return rows.map(toEntry);
}

/**
 * The newest entry whose version is `version` or starts with it (at least 8 hex characters, like a short git
 * hash); null when there is none or the prefix is ambiguous.
 */
export async function find(db: Db, version: string): Promise<HistoryEntry | null> {
  if (!/^[0-9a-f]{8,64}$/.test(version)) return null;
  const rows = await db.kysely
    .selectFrom("config_snapshots")
    .selectAll()
    .where("version", "like", `${version}%`)
    .orderBy("generation", "desc")
    .execute();
  const versions = new Set(rows.map((r) => r.version));
  return versions.size === 1 && rows[0] ? toEntry(rows[0]) : null;
}

function toEntry(row: {
  generation: bigint;
  version: string;
  created_at: Date;
  content: HistoryContent;
}): HistoryEntry {
  return { generation: BigInt(row.generation), version: row.version, createdAt: row.created_at, content: row.content };
}
