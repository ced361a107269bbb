import { consumers } from "@switchyard/db";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { ifMatchRevision } from "../../admin/etag.ts";
import { idParam } from "../id-param.ts";

/** `DELETE /consumers/{id}`. */
export function deleteConsumer(app: AdminApp, deps: AdminDeps): void {
  app.delete("/:id", async (c) => {
    const id = idParam(c.req.param());
    const res = await consumers.remove(deps.db, id, { ifRevision: ifMatchRevision(c) });
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation, true);
    return c.body(null, 204);
  });
}
