import { limits } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import { limitProblem, limitUpdateSchema } from "@switchyard/policy";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { ifMatchRevision } from "../../admin/etag.ts";
import { sendResource } from "../../admin/respond.ts";
import { readJson } from "../../admin/validate.ts";
import { idParam } from "../id-param.ts";
import { limitView } from "./limit-view.ts";

/**
 * `PATCH /limits/{id}`: amount, failure policy, mode, unpriced policy and stream cut-off can change; kind,
 * window and scope cannot (counters are keyed by them). The patched limit must still fit together
 * (`limitProblem`), else 422 naming the field: `streamCutoff` on a requests limit, cents on a token limit.
 */
export function updateLimit(app: AdminApp, deps: AdminDeps): void {
  app.patch("/:id", async (c) => {
    const id = idParam(c.req.param());
    const ifRevision = ifMatchRevision(c);
    const input = await readJson(c, limitUpdateSchema);
    const current = await limits.get(deps.db, id);
    if (!current) throw new AppError("not_found", "limit not found");
    // Kind, window and scope never change, so checking against the row read here holds for the write too.
    const problem = limitProblem({ ...current, ...input });
    if (problem) {
      throw new AppError("unprocessable", `${problem.field}: ${problem.message}`, {
        details: [{ field: problem.field, message: problem.message }],
      });
    }
    const res = await limits.update(deps.db, id, input, { ifRevision });
    if (!res.ok) throw dbFailure(res.error);
    committed(c, deps, res.value.generation);
    return sendResource(c, limitView(res.value.record));
  });
}
