import { providers } from "@switchyard/db";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { ifMatchRevision } from "../../admin/etag.ts";
import { idParam } from "../id-param.ts";

/** `DELETE /providers/{id}`: refused with 409 while a route still uses the provider. */
export function deleteProvider(app: AdminApp, deps: AdminDeps): void {
  app.delete("/:id", async (c) => {
    const id = idParam(c.req.param());
    const ifRevision = ifMatchRevision(c);
    const res = await providers.remove(deps.db, id, { ifRevision });
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation);
    return c.body(null, 204);
  });
}
