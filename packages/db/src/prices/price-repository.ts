import { ok, type Result } from "@switchyard/errors";
import { sql, type Updateable } from "kysely";
import { appendChange } from "../config-changes.ts";
import type { Db } from "../create-db.ts";
import type { PricesTable } from "../database.ts";
import { type DbError, isUuid } from "../db-error.ts";
import { lockForWrite } from "../lock-for-write.ts";
import { type Page, type PageRequest, startAfter, toPage } from "../pagination.ts";
import { removeRevisioned } from "../remove-revisioned.ts";
import { runWrite } from "../run-write.ts";
import { type PriceInput, type PricePatch, type PriceRecord, toPriceRecord } from "./price-record.ts";

/** A price write's outcome: the record as stored and the generation its change row got. */
export type PriceWrite = { record: PriceRecord; generation: bigint };

/** One page of prices in id order. Throws RangeError for a bad limit or cursor. */
export async function list(db: Db, req: PageRequest): Promise<Page<PriceRecord>> {
  const after = startAfter(req);
  const rows = await db.kysely
    .selectFrom("prices")
    .selectAll()
    .$if(after !== undefined, (qb) => qb.where("id", ">", after!))
    .orderBy("id")
    .limit(req.limit + 1)
    .execute();
  return toPage(rows, req.limit, toPriceRecord);
}

/** One price, or null if there is none with this id. */
export async function get(db: Db, id: string): Promise<PriceRecord | null> {
  if (!isUuid(id)) return null;
  const row = await db.kysely.selectFrom("prices").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toPriceRecord(row) : null;
}

/** Creates a price. A model already priced is a `conflict` on `model`. */
export async function create(db: Db, input: PriceInput): Promise<Result<PriceWrite, DbError>> {
  return runWrite(db, "create", async (trx) => {
    const row = await trx
      .insertInto("prices")
      .values({
        model: input.model,
        input_per_mtok: input.inputPerMTok,
        output_per_mtok: input.outputPerMTok,
        cached_input_per_mtok: input.cachedInputPerMTok ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const generation = await appendChange(trx, "price", row.id, "create");
    return ok({ record: toPriceRecord(row), generation });
  });
}

/** Changes a price and bumps its revision by one; `ifRevision` as for providers. */
export async function update(
  db: Db,
  id: string,
  patch: PricePatch,
  opts: { ifRevision?: number } = {},
): Promise<Result<PriceWrite, DbError>> {
  return runWrite(db, "update", async (trx) => {
    const locked = await lockForWrite(trx, "prices", "price", id, opts.ifRevision);
    if (!locked.ok) return locked;
    const values: Updateable<PricesTable> = {};
    if (patch.inputPerMTok !== undefined) values.input_per_mtok = patch.inputPerMTok;
    if (patch.outputPerMTok !== undefined) values.output_per_mtok = patch.outputPerMTok;
    if (patch.cachedInputPerMTok !== undefined) values.cached_input_per_mtok = patch.cachedInputPerMTok;
    const row = await trx
      .updateTable("prices")
      .set((eb) => ({ ...values, revision: eb("revision", "+", 1), updated_at: sql<Date>`now()` }))
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const generation = await appendChange(trx, "price", id, "update");
    return ok({ record: toPriceRecord(row), generation });
  });
}

/** Deletes a price: its model becomes unpriced (refused or admitted by each budget's `onUnpriced`). */
export async function remove(
  db: Db,
  id: string,
  opts: { ifRevision?: number } = {},
): Promise<Result<{ generation: bigint }, DbError>> {
  return removeRevisioned(db, "prices", "price", id, opts.ifRevision);
}
