import { consumers, limits } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import { limitCreateSchema, unsupportedLimitField } from "@switchyard/policy";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { sendResource } from "../../admin/respond.ts";
import { readJson } from "../../admin/validate.ts";
import { limitView } from "./limit-view.ts";

/**
 * `POST /limits`: well-formed limits this release cannot enforce yet are a 422 naming the field, so no
 * limit is ever stored that the data plane would silently ignore.
 */
export function createLimit(app: AdminApp, deps: AdminDeps): void {
  app.post("/", async (c) => {
    const input = await readJson(c, limitCreateSchema);
    const field = unsupportedLimitField(input);
    if (field) {
      throw new AppError("unprocessable", `${field} "${input[field]}" is not supported yet`, {
        details: [{ field, message: "only kind=requests, window=minute, scope=consumer are enforced in this release" }],
      });
    }
    if (!(await consumers.get(deps.db, input.scopeId).catch(() => null))) {
      throw new AppError("unprocessable", "scopeId does not name an existing consumer", {
        details: [{ field: "scopeId", message: "consumer not found" }],
      });
    }
    const res = await limits.create(deps.db, input);
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation);
    return sendResource(c, limitView(res.value.record), 201);
  });
}
