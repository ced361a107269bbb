import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "./database.ts";
import { type ListenHandlers, listenPglite, listenPostgres, type Unlisten } from "./listen.ts";

/** A handle on the store: the query builder, which engine is behind it, and how to let go of it. */
export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: "postgres" | "pglite";
  /** Closes the pool or the embedded database; safe to call more than once. Listeners must be stopped first. */
  close(): Promise<void>;
  /** LISTENs on `channel` (see listen.ts); resolves once the first attempt finished, working or not. */
  listen(channel: string, handlers: ListenHandlers): Promise<Unlisten>;
}

/** Where the store lives: a PostgreSQL URL, a PGlite data folder, or a throwaway in-memory PGlite. */
export type DbOptions = { url: string } | { pgliteDataDir: string } | { pgliteMemory: true };

const INT8_OID = 20;
const parseInt8 = (value: string): bigint => BigInt(value);

/**
 * Opens the store. Nothing connects until the first query.
 *
 * `int8` columns (generations, limit values, counts) come back as `bigint` on both engines, so a large
 * generation never loses precision. The pg type parser is set on this pool only, not globally, so other
 * pg users in the same process keep their defaults.
 */
export function createDb(opts: DbOptions, poolMax = 10): Db {
  if ("url" in opts) return postgres(opts.url, poolMax);
  const pglite =
    "pgliteDataDir" in opts
      ? new PGlite(opts.pgliteDataDir, { parsers: { [INT8_OID]: parseInt8 } })
      : new PGlite({ parsers: { [INT8_OID]: parseInt8 } });
  const kysely = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    kysely,
    dialect: "pglite",
    listen: (channel, handlers) => listenPglite(pglite, channel, handlers),
    close: once(async () => {
      await kysely.destroy();
      // Kysely only closes an instance it has used; one that never ran a query is closed here.
      if (!pglite.closed) {
        await pglite.waitReady;
        await pglite.close();
      }
    }),
  };
}

function postgres(url: string, poolMax: number): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    // A dead server should fail a query (and ping) quickly rather than hang it.
    connectionTimeoutMillis: 5_000,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection (server restart, network cut) is reported here. Without a
  // listener the process would crash; the pool drops that client and the next query opens a new one.
  pool.on("error", () => {});
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    kysely,
    dialect: "postgres",
    close: once(() => kysely.destroy()),
    listen: (channel, handlers) => listenPostgres(url, channel, handlers),
  };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}
