import { routes } from "@switchyard/db";
import { routeCreateSchema } from "@switchyard/policy";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { sendResource } from "../../admin/respond.ts";
import { readJson } from "../../admin/validate.ts";
import { routeView } from "./route-view.ts";

/** `POST /routes`: a provider that does not exist is a 422 naming `providerId`. */
export function createRoute(app: AdminApp, deps: AdminDeps): void {
  app.post("/", async (c) => {
    const input = await readJson(c, routeCreateSchema);
    const res = await routes.create(deps.db, input);
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation);
    return sendResource(c, routeView(res.value.record), 201);
  });
}
