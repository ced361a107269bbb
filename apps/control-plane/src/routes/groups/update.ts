import { groups } from "@switchyard/db";
import { groupUpdateSchema } from "@switchyard/policy";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { ifMatchRevision } from "../../admin/etag.ts";
import { sendResource } from "../../admin/respond.ts";
import { readJson } from "../../admin/validate.ts";
import { idParam } from "../id-param.ts";
import { groupView } from "./group-view.ts";

/** `PATCH /groups/{id}`: renames the group; its members and limits are unchanged. */
export function updateGroup(app: AdminApp, deps: AdminDeps): void {
  app.patch("/:id", async (c) => {
    const id = idParam(c.req.param());
    const ifRevision = ifMatchRevision(c);
    const input = await readJson(c, groupUpdateSchema);
    const res = await groups.update(deps.db, id, input, { ifRevision });
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation);
    return sendResource(c, groupView(res.value.record));
  });
}
