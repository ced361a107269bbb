import { groups } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { sendResource } from "../../admin/respond.ts";
import { idParam } from "../id-param.ts";
import { groupView } from "./group-view.ts";

/** `GET /groups/{id}`. */
export function getGroup(app: AdminApp, deps: AdminDeps): void {
  app.get("/:id", async (c) => {
    const found = await groups.get(deps.db, idParam(c.req.param()));
    if (!found) throw new AppError("not_found", "group not found");
    return sendResource(c, groupView(found));
  });
}
