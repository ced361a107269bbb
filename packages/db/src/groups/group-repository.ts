import { ok, type Result } from "@switchyard/errors";
import { sql, type Updateable } from "kysely";
import { appendChange } from "../config-changes.ts";
import type { Db } from "../create-db.ts";
import type { ConsumerGroupsTable } from "../database.ts";
import { type DbError, isUuid } from "../db-error.ts";
import { lockForWrite } from "../lock-for-write.ts";
import { type Page, type PageRequest, startAfter, toPage } from "../pagination.ts";
import { removeRevisioned } from "../remove-revisioned.ts";
import { runWrite } from "../run-write.ts";
import { type GroupInput, type GroupPatch, type GroupRecord, toGroupRecord } from "./group-record.ts";

/** A group write's outcome: the record as stored and the generation its change row got. */
export type GroupWrite = { record: GroupRecord; generation: bigint };

/** One page of groups in id order. Throws RangeError for a bad limit or cursor. */
export async function list(db: Db, req: PageRequest): Promise<Page<GroupRecord>> {
  const after = startAfter(req);
  const rows = await db.kysely
    .selectFrom("consumer_groups")
    .selectAll()
    .$if(after !== undefined, (qb) => qb.where("id", ">", after!))
    .orderBy("id")
    .limit(req.limit + 1)
    .execute();
  return toPage(rows, req.limit, toGroupRecord);
}

/** One group, or null if there is none with this id. */
export async function get(db: Db, id: string): Promise<GroupRecord | null> {
  if (!isUuid(id)) return null;
  const row = await db.kysely.selectFrom("consumer_groups").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toGroupRecord(row) : null;
}

/** Creates a group. A taken name is a `conflict` on `name`. */
export async function create(db: Db, input: GroupInput): Promise<Result<GroupWrite, DbError>> {
  return runWrite(db, "create", async (trx) => {
    const row = await trx
      .insertInto("consumer_groups")
      .values({ name: input.name })
      .returningAll()
      .executeTakeFirstOrThrow();
    const generation = await appendChange(trx, "group", row.id, "create");
    return ok({ record: toGroupRecord(row), generation });
  });
}

/** Renames a group and bumps its revision by one; `ifRevision` as for providers. */
export async function update(
  db: Db,
  id: string,
  patch: GroupPatch,
  opts: { ifRevision?: number } = {},
): Promise<Result<GroupWrite, DbError>> {
  return runWrite(db, "update", async (trx) => {
    const locked = await lockForWrite(trx, "consumer_groups", "group", id, opts.ifRevision);
    if (!locked.ok) return locked;
    const values: Updateable<ConsumerGroupsTable> = {};
    if (patch.name !== undefined) values.name = patch.name;
    const row = await trx
      .updateTable("consumer_groups")
      .set((eb) => ({ ...values, revision: eb("revision", "+", 1), updated_at: sql<Date>`now()` }))
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const generation = await appendChange(trx, "group", id, "update");
    return ok({ record: toGroupRecord(row), generation });
  });
}

/**
 * Deletes a group. One that consumers still belong to, or that a limit is scoped to, is a `reference` error:
 * moving members out and removing group limits are the operator's decisions, never side effects. The group
 * row is locked first, so a consumer joining or a limit created meanwhile waits and then fails its check.
 */
export async function remove(
  db: Db,
  id: string,
  opts: { ifRevision?: number } = {},
): Promise<Result<{ generation: bigint }, DbError>> {
  return removeRevisioned(db, "consumer_groups", "group", id, opts.ifRevision, async (trx) => {
    const member = await trx.selectFrom("consumers").select("id").where("group_id", "=", id).limit(1).execute();
    if (member.length > 0) return { kind: "reference", message: "group still has consumers" };
    const limit = await trx
      .selectFrom("limits")
      .select("id")
      .where("scope", "=", "consumer_group")
      .where("scope_id", "=", id)
      .limit(1)
      .execute();
    if (limit.length > 0) return { kind: "reference", message: "group is the scope of one or more limits" };
    return undefined;
  });
}
