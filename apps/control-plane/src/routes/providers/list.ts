import { providers } from "@switchyard/db";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { page, parsePage } from "../../admin/pagination.ts";
import { providerView } from "./provider-view.ts";

/** `GET /providers`: one page of providers. */
export function listProviders(app: AdminApp, deps: AdminDeps): void {
  app.get("/", async (c) => {
    const q = parsePage(c.req.query());
    const res = await providers.list(deps.db, q);
    return c.json(page(res.items.map(providerView), res.nextCursor));
  });
}
