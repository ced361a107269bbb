import { limits } from "@switchyard/db";
import { limitCreateSchema } from "@switchyard/policy";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { sendResource } from "../../admin/respond.ts";
import { readJson } from "../../admin/validate.ts";
import { limitView } from "./limit-view.ts";

/**
 * `POST /limits`: every kind, window and scope is accepted. Fields that do not fit together (a window on a
 * concurrency limit, a scope id on a global one, cents below a micro-dollar) are a 400 naming the field; a
 * scope id naming no consumer, group, route or provider is a 422 naming `scopeId`.
 */
export function createLimit(app: AdminApp, deps: AdminDeps): void {
  app.post("/", async (c) => {
    const input = await readJson(c, limitCreateSchema);
    const res = await limits.create(deps.db, input);
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation);
    return sendResource(c, limitView(res.value.record), 201);
  });
}
