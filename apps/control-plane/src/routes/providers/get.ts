import { providers } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { sendResource } from "../../admin/respond.ts";
import { idParam } from "../id-param.ts";
import { providerView } from "./provider-view.ts";

/** `GET /providers/{id}`. */
export function getProvider(app: AdminApp, deps: AdminDeps): void {
  app.get("/:id", async (c) => {
    const p = await providers.get(deps.db, idParam(c.req.param()));
    if (!p) throw new AppError("not_found", "provider not found");
    return sendResource(c, providerView(p));
  });
}
