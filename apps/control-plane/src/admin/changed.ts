import type { Context } from "hono";
import type { AdminDeps } from "./deps.ts";

/** Response header carrying the config generation a write committed. */
export const GENERATION_HEADER = "x-config-generation";

/**
 * Reports a committed write: schedules the snapshot build and tells the caller which generation to wait
 * for (`GET /admin/v1/snapshot` and `/nodes` show when the fleet has it).
 */
export function committed(c: Context, deps: AdminDeps, generation: bigint): void {
  c.header(GENERATION_HEADER, generation.toString());
  deps.changed(generation);
}
