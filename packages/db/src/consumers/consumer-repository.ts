import { ok, type Result } from "@switchyard/errors";
import { sql, type Updateable } from "kysely";
import { appendChange } from "../config-changes.ts";
import type { Db } from "../create-db.ts";
import type { ConsumersTable } from "../database.ts";
import { type DbError, isUuid } from "../db-error.ts";
import { lockForWrite } from "../lock-for-write.ts";
import { type Page, type PageRequest, startAfter, toPage } from "../pagination.ts";
import { removeRevisioned } from "../remove-revisioned.ts";
import { runWrite } from "../run-write.ts";
import { type ConsumerInput, type ConsumerPatch, type ConsumerRecord, toConsumerRecord } from "./consumer-record.ts";

/** A consumer write's outcome: the record as stored and the generation its change row got. */
export type ConsumerWrite = { record: ConsumerRecord; generation: bigint };

/** One page of consumers in id order. Throws RangeError for a bad limit or cursor. */
export async function list(db: Db, req: PageRequest): Promise<Page<ConsumerRecord>> {
  const after = startAfter(req);
  const rows = await db.kysely
    .selectFrom("consumers")
    .selectAll()
    .$if(after !== undefined, (qb) => qb.where("id", ">", after!))
    .orderBy("id")
    .limit(req.limit + 1)
    .execute();
  return toPage(rows, req.limit, toConsumerRecord);
}

/** One consumer, or null if there is none with this id. */
export async function get(db: Db, id: string): Promise<ConsumerRecord | null> {
  if (!isUuid(id)) return null;
  const row = await db.kysely.selectFrom("consumers").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toConsumerRecord(row) : null;
}

/** Creates a consumer. A taken name is a `conflict` on `name`; a group that does not exist a `reference` on `groupId`. */
export async function create(db: Db, input: ConsumerInput): Promise<Result<ConsumerWrite, DbError>> {
  return runWrite(db, "create", async (trx) => {
    const row = await trx
      .insertInto("consumers")
      .values({
        name: input.name,
        metadata: JSON.stringify(input.metadata ?? {}),
        enabled: input.enabled ?? true,
        group_id: input.groupId ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const generation = await appendChange(trx, "consumer", row.id, "create");
    return ok({ record: toConsumerRecord(row), generation });
  });
}

/** Changes a consumer and bumps its revision by one; `ifRevision` as for providers. */
export async function update(
  db: Db,
  id: string,
  patch: ConsumerPatch,
  opts: { ifRevision?: number } = {},
): Promise<Result<ConsumerWrite, DbError>> {
  return runWrite(db, "update", async (trx) => {
    const locked = await lockForWrite(trx, "consumers", "consumer", id, opts.ifRevision);
    if (!locked.ok) return locked;
    const values: Updateable<ConsumersTable> = {};
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.metadata !== undefined) values.metadata = JSON.stringify(patch.metadata);
    if (patch.enabled !== undefined) values.enabled = patch.enabled;
    if (patch.groupId !== undefined) values.group_id = patch.groupId;
    const row = await trx
      .updateTable("consumers")
      .set((eb) => ({ ...values, revision: eb("revision", "+", 1), updated_at: sql<Date>`now()` }))
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const generation = await appendChange(trx, "consumer", id, "update");
    return ok({ record: toConsumerRecord(row), generation });
  });
}

/**
 * Deletes a consumer together with its API keys (foreign key cascade) and its consumer-scoped limits
 * (no foreign key, since a limit's scope id may name different kinds of entity), all in one transaction.
 * One change row covers all of it: snapshots are rebuilt whole, so the cascade needs no rows of its own.
 */
export async function remove(
  db: Db,
  id: string,
  opts: { ifRevision?: number } = {},
): Promise<Result<{ generation: bigint }, DbError>> {
  return removeRevisioned(db, "consumers", "consumer", id, opts.ifRevision, async (trx) => {
    await trx.deleteFrom("limits").where("scope", "=", "consumer").where("scope_id", "=", id).execute();
    return undefined;
  });
}
