import { consumers } from "@switchyard/db";
import { consumerUpdateSchema } from "@switchyard/policy";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { ifMatchRevision } from "../../admin/etag.ts";
import { sendResource } from "../../admin/respond.ts";
import { readJson } from "../../admin/validate.ts";
import { idParam } from "../id-param.ts";
import { consumerView } from "./consumer-view.ts";

/** `PATCH /consumers/{id}`: `enabled: false` stops all the consumer's keys at once. */
export function updateConsumer(app: AdminApp, deps: AdminDeps): void {
  app.patch("/:id", async (c) => {
    const id = idParam(c.req.param());
    const ifRevision = ifMatchRevision(c);
    const input = await readJson(c, consumerUpdateSchema);
    const res = await consumers.update(deps.db, id, input, { ifRevision });
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation, true);
    return sendResource(c, consumerView(res.value.record));
  });
}
