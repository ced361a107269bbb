import { prices } from "@switchyard/db";
import { priceCreateSchema } from "@switchyard/policy";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { sendResource } from "../../admin/respond.ts";
import { readJson } from "../../admin/validate.ts";
import { priceView } from "./price-view.ts";

/** `POST /prices`. */
export function createPrice(app: AdminApp, deps: AdminDeps): void {
  app.post("/", async (c) => {
    const input = await readJson(c, priceCreateSchema);
    const res = await prices.create(deps.db, input);
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation);
    return sendResource(c, priceView(res.value.record), 201);
  });
}
