import { consumers } from "@switchyard/db";
import { consumerCreateSchema } from "@switchyard/policy";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { sendResource } from "../../admin/respond.ts";
import { readJson } from "../../admin/validate.ts";
import { consumerView } from "./consumer-view.ts";

/** `POST /consumers`. */
export function createConsumer(app: AdminApp, deps: AdminDeps): void {
  app.post("/", async (c) => {
    const input = await readJson(c, consumerCreateSchema);
    const res = await consumers.create(deps.db, input);
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation);
    return sendResource(c, consumerView(res.value.record), 201);
  });
}
