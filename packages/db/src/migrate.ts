import { Migrator } from "kysely/migration";
import type { Db } from "./create-db.ts";
import { migrationProvider } from "./migrations/index.ts";

function migrator(db: Db): Migrator {
  return new Migrator({ db: db.kysely, provider: migrationProvider });
}

/**
 * Whether every migration this build knows has been applied. A database that is ahead (migrated by a
 * newer release) also counts as current: migrations only expand the schema, so the older code still fits.
 */
export async function isSchemaCurrent(db: Db): Promise<boolean> {
  const known = await migrator(db).getMigrations();
  return known.every((m) => m.executedAt !== undefined);
}

/**
 * Applies the pending migrations in one transaction. Safe to run from several processes at once: on
 * PostgreSQL Kysely's migrator holds an advisory lock for the whole run, so the second process waits and
 * then finds nothing left to do. Throws if a migration fails; the transaction leaves the schema untouched.
 */
export async function migrateToLatest(db: Db): Promise<void> {
  if (await isSchemaCurrent(db)) return;
  const { error, results } = await migrator(db).migrateToLatest();
  if (error === undefined) return;
  // A newer release may have migrated between the check above and the lock. Kysely then refuses to run
  // (it sees a migration this build does not know), yet everything this build needs is in place.
  if (await isSchemaCurrent(db)) return;
  const failed = results?.find((r) => r.status === "Error")?.migrationName;
  const reason = error instanceof Error ? error.message : String(error);
  throw new Error(failed ? `migration ${failed} failed: ${reason}` : `migration failed: ${reason}`, { cause: error });
}
