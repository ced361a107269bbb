import { err, ok, type Result } from "@switchyard/errors";
import { sql, type Updateable } from "kysely";
import { appendChange } from "../config-changes.ts";
import type { Db } from "../create-db.ts";
import type { RoutesTable } from "../database.ts";
import { type DbError, isUuid } from "../db-error.ts";
import { lockForWrite } from "../lock-for-write.ts";
import { type Page, type PageRequest, startAfter, toPage } from "../pagination.ts";
import { removeRevisioned } from "../remove-revisioned.ts";
import { runWrite } from "../run-write.ts";
import { type RouteInput, type RoutePatch, type RouteRecord, toRouteRecord } from "./route-record.ts";

/** A route write's outcome: the record as stored and the generation its change row got. */
export type RouteWrite = { record: RouteRecord; generation: bigint };

/** A malformed provider id cannot name a provider; said the same way as a missing one. */
const missingProvider: DbError = { kind: "reference", message: "provider does not exist", field: "providerId" };

/** One page of routes in id order. Throws RangeError for a bad limit or cursor. */
export async function list(db: Db, req: PageRequest): Promise<Page<RouteRecord>> {
  const after = startAfter(req);
  const rows = await db.kysely
    .selectFrom("routes")
    .selectAll()
    .$if(after !== undefined, (qb) => qb.where("id", ">", after!))
    .orderBy("id")
    .limit(req.limit + 1)
    .execute();
  return toPage(rows, req.limit, toRouteRecord);
}

/** One route, or null if there is none with this id. */
export async function get(db: Db, id: string): Promise<RouteRecord | null> {
  if (!isUuid(id)) return null;
  const row = await db.kysely.selectFrom("routes").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toRouteRecord(row) : null;
}

/** Creates a route. A taken alias is a `conflict` on `alias`; an unknown provider a `reference` error. */
export async function create(db: Db, input: RouteInput): Promise<Result<RouteWrite, DbError>> {
  if (!isUuid(input.providerId)) return err(missingProvider);
  return runWrite(db, "create", async (trx) => {
    const row = await trx
      .insertInto("routes")
      .values({
        alias: input.alias,
        provider_id: input.providerId,
        upstream_model: input.upstreamModel,
        strict: input.strict ?? false,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const generation = await appendChange(trx, "route", row.id, "create");
    return ok({ record: toRouteRecord(row), generation });
  });
}

/** Changes a route and bumps its revision by one; `ifRevision` as for providers. */
export async function update(
  db: Db,
  id: string,
  patch: RoutePatch,
  opts: { ifRevision?: number } = {},
): Promise<Result<RouteWrite, DbError>> {
  if (patch.providerId !== undefined && !isUuid(patch.providerId)) return err(missingProvider);
  return runWrite(db, "update", async (trx) => {
    const locked = await lockForWrite(trx, "routes", "route", id, opts.ifRevision);
    if (!locked.ok) return locked;
    const values: Updateable<RoutesTable> = {};
    if (patch.alias !== undefined) values.alias = patch.alias;
    if (patch.providerId !== undefined) values.provider_id = patch.providerId;
    if (patch.upstreamModel !== undefined) values.upstream_model = patch.upstreamModel;
    if (patch.strict !== undefined) values.strict = patch.strict;
    const row = await trx
      .updateTable("routes")
      .set((eb) => ({ ...values, revision: eb("revision", "+", 1), updated_at: sql<Date>`now()` }))
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const generation = await appendChange(trx, "route", id, "update");
    return ok({ record: toRouteRecord(row), generation });
  });
}

/**
 * Deletes a route together with its route-scoped limits (a limit on a route that is gone limits nothing, and
 * left behind it would make every later snapshot inconsistent). A rollback restores both.
 */
export async function remove(
  db: Db,
  id: string,
  opts: { ifRevision?: number } = {},
): Promise<Result<{ generation: bigint }, DbError>> {
  return removeRevisioned(db, "routes", "route", id, opts.ifRevision, async (trx) => {
    await trx.deleteFrom("limits").where("scope", "=", "route").where("scope_id", "=", id).execute();
    return undefined;
  });
}
