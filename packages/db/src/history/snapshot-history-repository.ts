import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "../create-db.ts";
import {
  countsOf,
  type HistoryContent,
  type HistoryCounts,
  type HistoryPolicy,
  withCountDefaults,
  withPolicyDefaults,
} from "./history-content.ts";

/** One published snapshot in history, as lists show it. */
export interface HistoryEntry {
  readonly generation: bigint;
  readonly version: string;
  readonly createdAt: Date;
  readonly counts: HistoryCounts;
}

/** One published snapshot with what a diff or a rollback needs. */
export type FullHistoryEntry = HistoryEntry & { readonly content: HistoryContent };

type StoredContent = HistoryContent | { counts: HistoryCounts };
const isInline = (c: StoredContent): c is HistoryContent => "providers" in c;

/**
 * Records a published snapshot and trims history to the newest `keep` entries. The policy part is stored once
 * per distinct state (by SHA-256), and only sent to the database when it is not there yet. Replicas building
 * the same generation build the same version, so a second insert of a generation is skipped. A caller that
 * knows the policy part is the one it recorded last passes that digest as `policyDigest`: the policy (megabytes
 * of JSON with a limit per consumer) is then serialised only if its row is gone. Resolves with the digest.
 */
export async function record(
  db: Db,
  entry: { generation: bigint; version: string; content: HistoryContent; policyDigest?: string },
  keep: number,
): Promise<string> {
  const { providers, routes, limits, prices } = entry.content;
  const policyText = () => JSON.stringify({ providers, routes, limits, prices });
  let policy = entry.policyDigest === undefined ? policyText() : null;
  const digest =
    entry.policyDigest ??
    createHash("sha256")
      .update(policy as string)
      .digest("hex");
  const known = await db.kysely
    .selectFrom("config_policy_states")
    .select("digest")
    .where("digest", "=", digest)
    .executeTakeFirst();
  if (!known) {
    policy ??= policyText();
    await db.kysely
      .insertInto("config_policy_states")
      .values({ digest, content: policy })
      .onConflict((oc) => oc.column("digest").doNothing())
      .execute();
  }
  await db.kysely
    .insertInto("config_snapshots")
    .values({
      generation: entry.generation,
      version: entry.version,
      content: JSON.stringify({ counts: countsOf(entry.content) }),
      policy_digest: digest,
    })
    .onConflict((oc) => oc.column("generation").doNothing())
    .execute();
  await sql`
    delete from config_snapshots where generation < (
      select generation from config_snapshots order by generation desc offset ${Math.max(0, keep - 1)} limit 1
    )`.execute(db.kysely);
  await sql`
    delete from config_policy_states p
    where not exists (select 1 from config_snapshots s where s.policy_digest = p.digest)`.execute(db.kysely);
  return digest;
}

/** Newest first, `limit` entries older than generation `before` (all when absent); counts only. */
export async function list(db: Db, opts: { limit: number; before?: bigint }): Promise<HistoryEntry[]> {
  const rows = await db.kysely
    .selectFrom("config_snapshots")
    .select(["generation", "version", "created_at", "content"])
    .$if(opts.before !== undefined, (qb) => qb.where("generation", "<", opts.before as bigint))
    .orderBy("generation", "desc")
    .limit(opts.limit)
    .execute();
  return rows.map((r) => ({
    generation: BigInt(r.generation),
    version: r.version,
    createdAt: r.created_at,
    counts: isInline(r.content)
      ? countsOf({ ...r.content, ...withPolicyDefaults(r.content) })
      : withCountDefaults(r.content.counts),
  }));
}

/**
 * The newest entry whose version is `version` or starts with it (at least 8 hex characters, like a short git
 * hash), with its full content; null when there is none or the prefix is ambiguous.
 */
export async function find(db: Db, version: string): Promise<FullHistoryEntry | null> {
  if (!/^[0-9a-f]{8,64}$/.test(version)) return null;
  const rows = await db.kysely
    .selectFrom("config_snapshots as s")
    .leftJoin("config_policy_states as p", "p.digest", "s.policy_digest")
    .select(["s.generation", "s.version", "s.created_at", "s.content", "p.content as policy"])
    .where("s.version", "like", `${version}%`)
    .orderBy("s.generation", "desc")
    .execute();
  const row = rows[0];
  if (!row || new Set(rows.map((r) => r.version)).size !== 1) return null;
  const stored = row.content as StoredContent;
  // Older rows lack the group count and prices; they read as 0 and null ("not recorded").
  const content: HistoryContent = isInline(stored)
    ? { ...stored, ...withPolicyDefaults(stored), groups: stored.groups ?? 0 }
    : {
        ...withPolicyDefaults(row.policy as HistoryPolicy),
        consumers: stored.counts.consumers,
        groups: stored.counts.groups ?? 0,
        apiKeys: stored.counts.apiKeys,
      };
  return {
    generation: BigInt(row.generation),
    version: row.version,
    createdAt: row.created_at,
    counts: countsOf(content),
    content,
  };
}

/** The newest entry with its full content, or null when history is empty. */
export async function newest(db: Db): Promise<FullHistoryEntry | null> {
  const [latest] = await list(db, { limit: 1 });
  return latest ? find(db, latest.version) : null;
}
