import { groups } from "@switchyard/db";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { page, parsePage } from "../../admin/pagination.ts";
import { groupView } from "./group-view.ts";

/** `GET /groups`: one page. */
export function listGroups(app: AdminApp, deps: AdminDeps): void {
  app.get("/", async (c) => {
    const res = await groups.list(deps.db, parsePage(c.req.query()));
    return c.json(page(res.items.map(groupView), res.nextCursor));
  });
}
