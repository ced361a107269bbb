import { limits } from "@switchyard/db";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { page, parsePage } from "../../admin/pagination.ts";
import { limitView } from "./limit-view.ts";

/** `GET /limits`: one page. */
export function listLimits(app: AdminApp, deps: AdminDeps): void {
  app.get("/", async (c) => {
    const res = await limits.list(deps.db, parsePage(c.req.query()));
    return c.json(page(res.items.map(limitView), res.nextCursor));
  });
}
