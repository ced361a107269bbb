import { Hono } from "hono";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { createPrice } from "./create.ts";
import { deletePrice } from "./delete.ts";
import { getPrice } from "./get.ts";
import { listPrices } from "./list.ts";
import { updatePrice } from "./update.ts";

/** The `/prices` resource. */
export function pricesResource(deps: AdminDeps): AdminApp {
  const app: AdminApp = new Hono();
  for (const register of [listPrices, getPrice, createPrice, updatePrice, deletePrice]) register(app, deps);
  return app;
}
