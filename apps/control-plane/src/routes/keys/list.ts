import { apiKeys } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { page } from "../../admin/pagination.ts";
import { idParam } from "../id-param.ts";
import { keyView } from "./key-view.ts";

/** `GET /consumers/{id}/keys`: the consumer's keys, revoked ones included with their revocation time. */
export function listKeys(app: AdminApp, deps: AdminDeps): void {
  app.get("/", async (c) => {
    const consumerId = idParam(c.req.param());
    const keys = await apiKeys.listKeys(deps.db, consumerId);
    if (!keys) throw new AppError("not_found", "consumer not found");
    return c.json(page(keys.map(keyView), null));
  });
}
