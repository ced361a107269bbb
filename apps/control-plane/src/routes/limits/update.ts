import { limits } from "@switchyard/db";
import { limitUpdateSchema } from "@switchyard/policy";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { ifMatchRevision } from "../../admin/etag.ts";
import { sendResource } from "../../admin/respond.ts";
import { readJson } from "../../admin/validate.ts";
import { idParam } from "../id-param.ts";
import { limitView } from "./limit-view.ts";

/** `PATCH /limits/{id}`: the amount and failure policy can change; kind, window and scope cannot. */
export function updateLimit(app: AdminApp, deps: AdminDeps): void {
  app.patch("/:id", async (c) => {
    const id = idParam(c.req.param());
    const ifRevision = ifMatchRevision(c);
    const input = await readJson(c, limitUpdateSchema);
    const res = await limits.update(deps.db, id, input, { ifRevision });
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation);
    return sendResource(c, limitView(res.value.record));
  });
}
