import { routes } from "@switchyard/db";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { page, parsePage } from "../../admin/pagination.ts";
import { routeView } from "./route-view.ts";

/** `GET /routes`: one page. */
export function listRoutes(app: AdminApp, deps: AdminDeps): void {
  app.get("/", async (c) => {
    const res = await routes.list(deps.db, parsePage(c.req.query()));
    return c.json(page(res.items.map(routeView), res.nextCursor));
  });
}
