import { err, ok, type Result } from "@switchyard/errors";
import type { Transaction } from "kysely";
import { appendChange } from "./config-changes.ts";
import type { Db } from "./create-db.ts";
import type { Database, EntityKind } from "./database.ts";
import type { DbError } from "./db-error.ts";
import { lockForWrite, type RevisionedTable } from "./lock-for-write.ts";
import { runWrite } from "./run-write.ts";

/**
 * The delete every revisioned resource shares: lock the row and check `ifRevision`, run `dependents` (rows
 * that go with it; an error it returns refuses the delete), delete it, and append its change row, all in one
 * transaction.
 */
export function removeRevisioned(
  db: Db,
  table: RevisionedTable,
  entity: EntityKind,
  id: string,
  ifRevision: number | undefined,
  dependents?: (trx: Transaction<Database>) => Promise<DbError | undefined>,
): Promise<Result<{ generation: bigint }, DbError>> {
  return runWrite(db, "delete", async (trx) => {
    const locked = await lockForWrite(trx, table, entity, id, ifRevision);
    if (!locked.ok) return locked;
    const refused = await dependents?.(trx);
    if (refused) return err(refused);
    await trx.deleteFrom(table).where("id", "=", id).execute();
    const generation = await appendChange(trx, entity, id, "delete");
    return ok({ generation });
  });
}
