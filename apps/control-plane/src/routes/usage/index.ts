import { Hono } from "hono";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { getUsage } from "./get-usage.ts";

/** The `/usage` resource: usage and spend read from the daily totals. */
export function usageResource(deps: AdminDeps): AdminApp {
  const app: AdminApp = new Hono();
  getUsage(app, deps);
  return app;
}
