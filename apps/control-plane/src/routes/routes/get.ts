import { routes } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { sendResource } from "../../admin/respond.ts";
import { idParam } from "../id-param.ts";
import { routeView } from "./route-view.ts";

/** `GET /routes/{id}`. */
export function getRoute(app: AdminApp, deps: AdminDeps): void {
  app.get("/:id", async (c) => {
    const found = await routes.get(deps.db, idParam(c.req.param()));
    if (!found) throw new AppError("not_found", "route not found");
    return sendResource(c, routeView(found));
  });
}
