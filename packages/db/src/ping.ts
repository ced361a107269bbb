import { sql } from "kysely";
import type { Db } from "./create-db.ts";

/** Whether the store answers a trivial query; for readiness probes, so it never throws. */
export async function ping(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db.kysely);
    return true;
  } catch {
    return false;
  }
}
