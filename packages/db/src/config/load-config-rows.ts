import { sql, type Transaction } from "kysely";
import type { Db } from "../create-db.ts";
import type { Database } from "../database.ts";
import { CONFIG_PARTS, type ConfigPartRows } from "./config-parts.ts";

/** Everything a snapshot is built from, and the generation that state corresponds to. */
export interface ConfigRows extends Readonly<ConfigPartRows> {
  readonly generation: bigint;
}

/** The newest committed generation, inside a transaction. */
export async function generationIn(trx: Transaction<Database>): Promise<bigint> {
  const gen = await trx
    .selectFrom("config_changes")
    .select(sql<bigint>`coalesce(max(generation), 0)`.as("generation"))
    .executeTakeFirstOrThrow();
  return BigInt(gen.generation);
}

/** Runs `fn` in a read-only REPEATABLE READ transaction: every query sees the same committed state. */
export function inSnapshotTransaction<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.kysely.transaction().setIsolationLevel("repeatable read").setAccessMode("read only").execute(fn);
}

/**
 * Reads the whole configuration in one read-only REPEATABLE READ transaction, so every table and the
 * generation come from the same moment: a write that commits meanwhile is either entirely in the result
 * (and counted in `generation`) or entirely out. Writers commit their change rows in generation order
 * (see config-changes.ts), so no earlier change can appear later. On PGlite, with its single connection,
 * every transaction is serial anyway. Rows come in id order.
 */
export async function loadConfigRows(db: Db): Promise<ConfigRows> {
  return inSnapshotTransaction(db, async (trx) => {
    const generation = await generationIn(trx);
    const rows: Record<string, unknown> = { generation };
    for (const p of CONFIG_PARTS) rows[p.part] = await p.all(trx);
    return rows as unknown as ConfigRows;
  });
}
