import { consumers } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { sendResource } from "../../admin/respond.ts";
import { idParam } from "../id-param.ts";
import { consumerView } from "./consumer-view.ts";

/** `GET /consumers/{id}`. */
export function getConsumer(app: AdminApp, deps: AdminDeps): void {
  app.get("/:id", async (c) => {
    const found = await consumers.get(deps.db, idParam(c.req.param()));
    if (!found) throw new AppError("not_found", "consumer not found");
    return sendResource(c, consumerView(found));
  });
}
