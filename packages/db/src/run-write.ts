import { err, type Result } from "@switchyard/errors";
import type { Transaction } from "kysely";
import type { Db } from "./create-db.ts";
import type { ChangeOp, Database } from "./database.ts";
import { type DbError, toDbError } from "./db-error.ts";

/** Carries an expected failure out of the transaction callback so Kysely rolls the transaction back. */
class Rollback extends Error {
  readonly dbError: DbError;

  constructor(dbError: DbError) {
    super(dbError.message);
    this.dbError = dbError;
  }
}

/**
 * Runs one write in one transaction. The callback returns a Result: an `err` rolls everything back, so a
 * failed write never leaves half its rows (or a change row) behind. Constraint violations become
 * {@link DbError}s; anything else (lost connection, bug) is rethrown.
 */
export async function runWrite<T>(
  db: Db,
  op: ChangeOp,
  fn: (trx: Transaction<Database>) => Promise<Result<T, DbError>>,
): Promise<Result<T, DbError>> {
  try {
    return await db.kysely.transaction().execute(async (trx) => {
      const result = await fn(trx);
      if (!result.ok) throw new Rollback(result.error);
      return result;
    });
  } catch (e) {
    if (e instanceof Rollback) return err(e.dbError);
    const mapped = toDbError(e, op);
    if (mapped) return err(mapped);
    throw e;
  }
}
