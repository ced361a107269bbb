import { err, ok, type Result } from "@switchyard/errors";
import { sql, type Transaction } from "kysely";
import type { Database } from "./database.ts";
import { type DbError, isUuid } from "./db-error.ts";

/** Tables whose rows carry a revision. */
export type RevisionedTable = "providers" | "routes" | "consumers" | "consumer_groups" | "limits" | "prices";

/**
 * Locks a row for the rest of the transaction and checks its revision. Returns the current revision, or
 * `not_found` / `revision_mismatch`. Locking first means the check and the write that follows see the same
 * row, and a concurrent writer waits instead of overwriting.
 */
export async function lockForWrite(
  trx: Transaction<Database>,
  table: RevisionedTable,
  entity: string,
  id: string,
  ifRevision: number | undefined,
): Promise<Result<number, DbError>> {
  if (!isUuid(id)) return err({ kind: "not_found", message: `${entity} not found` });
  const { rows } = await sql<{ revision: number }>`
    select revision from ${sql.table(table)} where id = ${id} for update`.execute(trx);
  const current = rows[0]?.revision;
  if (current === undefined) return err({ kind: "not_found", message: `${entity} not found` });
  if (ifRevision !== undefined && ifRevision !== current) {
    return err({
      kind: "revision_mismatch",
      message: `${entity} is at revision ${current}, not ${ifRevision}`,
      field: "revision",
    });
  }
  return ok(current);
}
