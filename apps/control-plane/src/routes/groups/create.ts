import { groups } from "@switchyard/db";
import { groupCreateSchema } from "@switchyard/policy";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { sendResource } from "../../admin/respond.ts";
import { readJson } from "../../admin/validate.ts";
import { groupView } from "./group-view.ts";

/** `POST /groups`. */
export function createGroup(app: AdminApp, deps: AdminDeps): void {
  app.post("/", async (c) => {
    const input = await readJson(c, groupCreateSchema);
    const res = await groups.create(deps.db, input);
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation);
    return sendResource(c, groupView(res.value.record), 201);
  });
}
