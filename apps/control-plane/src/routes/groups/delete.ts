import { groups } from "@switchyard/db";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { ifMatchRevision } from "../../admin/etag.ts";
import { idParam } from "../id-param.ts";

/** `DELETE /groups/{id}`: 409 while consumers belong to the group or a limit is scoped to it. */
export function deleteGroup(app: AdminApp, deps: AdminDeps): void {
  app.delete("/:id", async (c) => {
    const id = idParam(c.req.param());
    const res = await groups.remove(deps.db, id, { ifRevision: ifMatchRevision(c) });
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation);
    return c.body(null, 204);
  });
}
