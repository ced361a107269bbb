import { Hono } from "hono";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { createLimit } from "./create.ts";
import { deleteLimit } from "./delete.ts";
import { getLimit } from "./get.ts";
import { listLimits } from "./list.ts";
import { updateLimit } from "./update.ts";

/** The `/limits` resource. */
export function limitsResource(deps: AdminDeps): AdminApp {
  const app: AdminApp = new Hono();
  for (const register of [listLimits, getLimit, createLimit, updateLimit, deleteLimit]) register(app, deps);
  return app;
}
