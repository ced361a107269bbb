import { ok, type Result } from "@switchyard/errors";
import { sql, type Updateable } from "kysely";
import { appendChange } from "../config-changes.ts";
import type { Db } from "../create-db.ts";
import type { ProvidersTable } from "../database.ts";
import { type DbError, isUuid } from "../db-error.ts";
import { lockForWrite } from "../lock-for-write.ts";
import { type Page, type PageRequest, startAfter, toPage } from "../pagination.ts";
import { removeRevisioned } from "../remove-revisioned.ts";
import { runWrite } from "../run-write.ts";
import {
  type ProviderInput,
  type ProviderPatch,
  type ProviderRecord,
  secretColumns,
  toProviderRecord,
} from "./provider-record.ts";

/** A provider write's outcome: the record as stored and the generation its change row got. */
export type ProviderWrite = { record: ProviderRecord; generation: bigint };

/** One page of providers in id order. Throws RangeError for a bad limit or cursor. */
export async function list(db: Db, req: PageRequest): Promise<Page<ProviderRecord>> {
  const after = startAfter(req);
  const rows = await db.kysely
    .selectFrom("providers")
    .selectAll()
    .$if(after !== undefined, (qb) => qb.where("id", ">", after!))
    .orderBy("id")
    .limit(req.limit + 1)
    .execute();
  return toPage(rows, req.limit, toProviderRecord);
}

/** One provider, or null if there is none with this id. */
export async function get(db: Db, id: string): Promise<ProviderRecord | null> {
  if (!isUuid(id)) return null;
  const row = await db.kysely.selectFrom("providers").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toProviderRecord(row) : null;
}

/** Creates a provider. A taken name is a `conflict` on `name`. */
export async function create(db: Db, input: ProviderInput): Promise<Result<ProviderWrite, DbError>> {
  return runWrite(db, "create", async (trx) => {
    const row = await trx
      .insertInto("providers")
      .values({
        name: input.name,
        kind: input.kind,
        base_url: input.baseUrl ?? null,
        ...secretColumns(input.apiKey ?? null),
        connect_timeout_ms: input.connectTimeoutMs,
        first_byte_timeout_ms: input.firstByteTimeoutMs,
        api_version: input.apiVersion ?? null,
        allow_internal: input.allowInternal ?? false,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const generation = await appendChange(trx, "provider", row.id, "create");
    return ok({ record: toProviderRecord(row), generation });
  });
}

/**
 * Changes a provider and bumps its revision by one. With `ifRevision`, fails with `revision_mismatch`
 * unless the stored revision still equals it (optimistic concurrency for If-Match).
 */
export async function update(
  db: Db,
  id: string,
  patch: ProviderPatch,
  opts: { ifRevision?: number } = {},
): Promise<Result<ProviderWrite, DbError>> {
  return runWrite(db, "update", async (trx) => {
    const locked = await lockForWrite(trx, "providers", "provider", id, opts.ifRevision);
    if (!locked.ok) return locked;
    const values: Updateable<ProvidersTable> = {};
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.baseUrl !== undefined) values.base_url = patch.baseUrl;
    if (patch.apiKey !== undefined) Object.assign(values, secretColumns(patch.apiKey));
    if (patch.connectTimeoutMs !== undefined) values.connect_timeout_ms = patch.connectTimeoutMs;
    if (patch.firstByteTimeoutMs !== undefined) values.first_byte_timeout_ms = patch.firstByteTimeoutMs;
    if (patch.apiVersion !== undefined) values.api_version = patch.apiVersion;
    if (patch.allowInternal !== undefined) values.allow_internal = patch.allowInternal;
    const row = await trx
      .updateTable("providers")
      .set((eb) => ({ ...values, revision: eb("revision", "+", 1), updated_at: sql<Date>`now()` }))
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const generation = await appendChange(trx, "provider", id, "update");
    return ok({ record: toProviderRecord(row), generation });
  });
}

/**
 * Deletes a provider with its provider-scoped limits. One still used by a route is a `reference` error;
 * routes are never removed silently.
 */
export async function remove(
  db: Db,
  id: string,
  opts: { ifRevision?: number } = {},
): Promise<Result<{ generation: bigint }, DbError>> {
  return removeRevisioned(db, "providers", "provider", id, opts.ifRevision, async (trx) => {
    await trx.deleteFrom("limits").where("scope", "=", "provider").where("scope_id", "=", id).execute();
    return undefined;
  });
}
