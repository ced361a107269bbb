import { Hono } from "hono";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { createGroup } from "./create.ts";
import { deleteGroup } from "./delete.ts";
import { getGroup } from "./get.ts";
import { listGroups } from "./list.ts";
import { updateGroup } from "./update.ts";

/** The `/groups` resource. */
export function groupsResource(deps: AdminDeps): AdminApp {
  const app: AdminApp = new Hono();
  for (const register of [listGroups, getGroup, createGroup, updateGroup, deleteGroup]) register(app, deps);
  return app;
}
