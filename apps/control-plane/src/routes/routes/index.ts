import { Hono } from "hono";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { createRoute } from "./create.ts";
import { deleteRoute } from "./delete.ts";
import { getRoute } from "./get.ts";
import { listRoutes } from "./list.ts";
import { updateRoute } from "./update.ts";

/** The `/routes` resource. */
export function routesResource(deps: AdminDeps): AdminApp {
  const app: AdminApp = new Hono();
  for (const register of [listRoutes, getRoute, createRoute, updateRoute, deleteRoute]) register(app, deps);
  return app;
}
