import { Hono } from "hono";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { createProvider } from "./create.ts";
import { deleteProvider } from "./delete.ts";
import { getProvider } from "./get.ts";
import { listProviders } from "./list.ts";
import { updateProvider } from "./update.ts";

/** The `/providers` resource. */
export function providersResource(deps: AdminDeps): AdminApp {
  const app: AdminApp = new Hono();
  for (const register of [listProviders, getProvider, createProvider, updateProvider, deleteProvider]) {
    register(app, deps);
  }
  return app;
}
