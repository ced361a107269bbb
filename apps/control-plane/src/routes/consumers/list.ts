import { consumers } from "@switchyard/db";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { page, parsePage } from "../../admin/pagination.ts";
import { consumerView } from "./consumer-view.ts";

/** `GET /consumers`: one page. */
export function listConsumers(app: AdminApp, deps: AdminDeps): void {
  app.get("/", async (c) => {
    const res = await consumers.list(deps.db, parsePage(c.req.query()));
    return c.json(page(res.items.map(consumerView), res.nextCursor));
  });
}
