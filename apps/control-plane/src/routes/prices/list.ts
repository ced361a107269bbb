import { prices } from "@switchyard/db";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { page, parsePage } from "../../admin/pagination.ts";
import { priceView } from "./price-view.ts";

/** `GET /prices`: one page. */
export function listPrices(app: AdminApp, deps: AdminDeps): void {
  app.get("/", async (c) => {
    const res = await prices.list(deps.db, parsePage(c.req.query()));
    return c.json(page(res.items.map(priceView), res.nextCursor));
  });
}
