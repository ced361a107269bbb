import { prices } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { sendResource } from "../../admin/respond.ts";
import { idParam } from "../id-param.ts";
import { priceView } from "./price-view.ts";

/** `GET /prices/{id}`. */
export function getPrice(app: AdminApp, deps: AdminDeps): void {
  app.get("/:id", async (c) => {
    const found = await prices.get(deps.db, idParam(c.req.param()));
    if (!found) throw new AppError("not_found", "price not found");
    return sendResource(c, priceView(found));
  });
}
