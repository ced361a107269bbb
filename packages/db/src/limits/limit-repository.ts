import { err, ok, type Result } from "@switchyard/errors";
import type { LimitScope } from "@switchyard/policy";
import { sql, type Transaction, type Updateable } from "kysely";
import { appendChange } from "../config-changes.ts";
import type { Db } from "../create-db.ts";
import type { Database, LimitsTable } from "../database.ts";
import { type DbError, isUuid } from "../db-error.ts";
import { lockForWrite } from "../lock-for-write.ts";
import { type Page, type PageRequest, startAfter, toPage } from "../pagination.ts";
import { removeRevisioned } from "../remove-revisioned.ts";
import { runWrite } from "../run-write.ts";
import { type LimitInput, type LimitPatch, type LimitRecord, toLimitRecord } from "./limit-record.ts";

/** A limit write's outcome: the record as stored and the generation its change row got. */
export type LimitWrite = { record: LimitRecord; generation: bigint };

/** One page of limits in id order. Throws RangeError for a bad limit or cursor. */
export async function list(db: Db, req: PageRequest): Promise<Page<LimitRecord>> {
  const after = startAfter(req);
  const rows = await db.kysely
    .selectFrom("limits")
    .selectAll()
    .$if(after !== undefined, (qb) => qb.where("id", ">", after!))
    .orderBy("id")
    .limit(req.limit + 1)
    .execute();
  return toPage(rows, req.limit, toLimitRecord);
}

/** One limit, or null if there is none with this id. */
export async function get(db: Db, id: string): Promise<LimitRecord | null> {
  if (!isUuid(id)) return null;
  const row = await db.kysely.selectFrom("limits").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toLimitRecord(row) : null;
}

/** The table each scope's id points into; `global` points nowhere. */
const SCOPE_TABLES: Readonly<Record<LimitScope, { table: string; entity: string } | null>> = {
  consumer: { table: "consumers", entity: "consumer" },
  consumer_group: { table: "consumer_groups", entity: "group" },
  route: { table: "routes", entity: "route" },
  provider: { table: "providers", entity: "provider" },
  global: null,
};

/**
 * A scoped limit must name an existing consumer, group, route or provider. The row is locked (FOR SHARE)
 * until commit so a concurrent delete of that entity (which removes or refuses on its limits) cannot slip
 * in between and leave this limit dangling.
 */
async function checkScope(trx: Transaction<Database>, input: LimitInput): Promise<DbError | null> {
  const target = SCOPE_TABLES[input.scope];
  if (!target) return null;
  const missing: DbError = { kind: "reference", message: `${target.entity} does not exist`, field: "scopeId" };
  if (!isUuid(input.scopeId ?? "")) return missing;
  const { rows } = await sql`select 1 from ${sql.table(target.table)} where id = ${input.scopeId} for share`.execute(
    trx,
  );
  return rows.length === 0 ? missing : null;
}

/** Creates a limit. A scope id naming nothing is a `reference` error on `scopeId`. */
export async function create(db: Db, input: LimitInput): Promise<Result<LimitWrite, DbError>> {
  return runWrite(db, "create", async (trx) => {
    const scopeError = await checkScope(trx, input);
    if (scopeError) return err(scopeError);
    const row = await trx
      .insertInto("limits")
      .values({
        kind: input.kind,
        window: input.window,
        scope: input.scope,
        scope_id: input.scopeId ?? "",
        limit: input.limit,
        failure_policy: input.failurePolicy,
        mode: input.mode ?? "enforce",
        on_unpriced: input.onUnpriced ?? "deny",
        stream_cutoff: input.streamCutoff ?? false,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const generation = await appendChange(trx, "limit", row.id, "create");
    return ok({ record: toLimitRecord(row), generation });
  });
}

/** Changes a limit and bumps its revision by one; `ifRevision` as for providers. */
export async function update(
  db: Db,
  id: string,
  patch: LimitPatch,
  opts: { ifRevision?: number } = {},
): Promise<Result<LimitWrite, DbError>> {
  return runWrite(db, "update", async (trx) => {
    const locked = await lockForWrite(trx, "limits", "limit", id, opts.ifRevision);
    if (!locked.ok) return locked;
    const values: Updateable<LimitsTable> = {};
    if (patch.limit !== undefined) values.limit = patch.limit;
    if (patch.failurePolicy !== undefined) values.failure_policy = patch.failurePolicy;
    if (patch.mode !== undefined) values.mode = patch.mode;
    if (patch.onUnpriced !== undefined) values.on_unpriced = patch.onUnpriced;
    if (patch.streamCutoff !== undefined) values.stream_cutoff = patch.streamCutoff;
    const row = await trx
      .updateTable("limits")
      .set((eb) => ({ ...values, revision: eb("revision", "+", 1), updated_at: sql<Date>`now()` }))
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const generation = await appendChange(trx, "limit", id, "update");
    return ok({ record: toLimitRecord(row), generation });
  });
}

/** Deletes a limit. */
export async function remove(
  db: Db,
  id: string,
  opts: { ifRevision?: number } = {},
): Promise<Result<{ generation: bigint }, DbError>> {
  return removeRevisioned(db, "limits", "limit", id, opts.ifRevision);
}
