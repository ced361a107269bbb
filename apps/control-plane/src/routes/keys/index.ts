import { Hono } from "hono";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { createKey } from "./create.ts";
import { listKeys } from "./list.ts";
import { revokeKey } from "./revoke.ts";

/** The `/consumers/{id}/keys` resource. */
export function keysResource(deps: AdminDeps): AdminApp {
  const app: AdminApp = new Hono();
  for (const register of [listKeys, createKey, revokeKey]) register(app, deps);
  return app;
}
