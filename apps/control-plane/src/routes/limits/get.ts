import { limits } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { sendResource } from "../../admin/respond.ts";
import { idParam } from "../id-param.ts";
import { limitView } from "./limit-view.ts";

/** `GET /limits/{id}`. */
export function getLimit(app: AdminApp, deps: AdminDeps): void {
  app.get("/:id", async (c) => {
    const found = await limits.get(deps.db, idParam(c.req.param()));
    if (!found) throw new AppError("not_found", "limit not found");
    return sendResource(c, limitView(found));
  });
}
