import { prices } from "@switchyard/db";
import { priceUpdateSchema } from "@switchyard/policy";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { ifMatchRevision } from "../../admin/etag.ts";
import { sendResource } from "../../admin/respond.ts";
import { readJson } from "../../admin/validate.ts";
import { idParam } from "../id-param.ts";
import { priceView } from "./price-view.ts";

/** `PATCH /prices/{id}`: the model is fixed; a new price applies from the next snapshot on. */
export function updatePrice(app: AdminApp, deps: AdminDeps): void {
  app.patch("/:id", async (c) => {
    const id = idParam(c.req.param());
    const ifRevision = ifMatchRevision(c);
    const input = await readJson(c, priceUpdateSchema);
    const res = await prices.update(deps.db, id, input, { ifRevision });
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation);
    return sendResource(c, priceView(res.value.record));
  });
}
