import { sql, type Transaction } from "kysely";
import type { Db } from "./create-db.ts";
import type { ChangeOp, Database, EntityKind } from "./database.ts";

/**
 * Appends the change row of a write and returns its generation. Call it as the LAST statement of the
 * write's transaction.
 *
 * Why the table lock: identity values are handed out when a row is inserted, not when it commits, so two
 * concurrent writers could commit generation 6 before 5. A reader that saw 6 without 5 would label a
 * snapshot with a generation that is missing a change, and would never notice 5 arriving later. The
 * EXCLUSIVE lock makes appends commit in generation order. It still lets plain SELECTs through, and since
 * the append is the last statement, it is held only for the moment it takes to commit.
 */
export async function appendChange(
  trx: Transaction<Database>,
  entityKind: EntityKind,
  entityId: string,
  op: ChangeOp,
): Promise<bigint> {
  await sql`lock table config_changes in exclusive mode`.execute(trx);
  const row = await trx
    .insertInto("config_changes")
    .values({ entity_kind: entityKind, entity_id: entityId, op })
    .returning("generation")
    .executeTakeFirstOrThrow();
  return BigInt(row.generation);
}

/** The channel every committed change row is announced on (a trigger sends `<generation>:<kind>:<op>`). */
export const CONFIG_CHANGES_CHANNEL = "switchyard_config_changes";

/** A change as announced on {@link CONFIG_CHANGES_CHANNEL}. */
export interface ChangeNotice {
  readonly generation: bigint;
  readonly entityKind: string;
  readonly op: string;
}

/** Reads a notification payload; null for anything this build does not recognise. */
export function parseChangeNotice(payload: string): ChangeNotice | null {
  const m = /^(\d+):([a-z_]+):([a-z]+)$/.exec(payload);
  return m ? { generation: BigInt(m[1] as string), entityKind: m[2] as string, op: m[3] as string } : null;
}

/** The generation of the newest committed write, or 0n before the first one. */
export async function currentGeneration(db: Db): Promise<bigint> {
  const row = await db.kysely
    .selectFrom("config_changes")
    .select(sql<bigint>`coalesce(max(generation), 0)`.as("generation"))
    .executeTakeFirstOrThrow();
  return BigInt(row.generation);
}
