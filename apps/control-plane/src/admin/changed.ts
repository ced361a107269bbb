import type { Context } from "hono";
import type { AdminDeps } from "./deps.ts";

/** Response header carrying the config generation a write committed. */
export const GENERATION_HEADER = "x-config-generation";

/**
 * Reports a committed write: schedules the snapshot build and tells the caller which generation to wait
 * for (`GET /admin/v1/snapshot` and `/nodes` show when the fleet has it). `urgent` for writes that take access
 * away (a revoked key, a changed or deleted consumer): their build skips the debounce, as the NOTIFY path does.
 */
export function committed(c: Context, deps: AdminDeps, generation: bigint, urgent = false): void {
  c.header(GENERATION_HEADER, generation.toString());
  deps.changed(generation, urgent);
}
