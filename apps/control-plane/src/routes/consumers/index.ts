import { Hono } from "hono";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { createConsumer } from "./create.ts";
import { deleteConsumer } from "./delete.ts";
import { getConsumer } from "./get.ts";
import { listConsumers } from "./list.ts";
import { updateConsumer } from "./update.ts";

/** The `/consumers` resource. */
export function consumersResource(deps: AdminDeps): AdminApp {
  const app: AdminApp = new Hono();
  for (const register of [listConsumers, getConsumer, createConsumer, updateConsumer, deleteConsumer])
    register(app, deps);
  return app;
}
