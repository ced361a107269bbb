import { applyRollback, historyContentOf, isEmptyPlan, loadConfigRows, planRollback } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import { z } from "zod";
import { committed } from "../../admin/changed.ts";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { dbFailure } from "../../admin/errors.ts";
import { readJson } from "../../admin/validate.ts";
import { findEntry } from "./get-snapshot.ts";
import { planView } from "./history-view.ts";

/** Body of the rollback call. */
export const rollbackSchema = z
  .object({
    /** Only compute and show what the rollback would change. */
    preview: z.boolean().default(false),
    /** The `basedOnGeneration` of a preview: refuse (412) if anything was written since. */
    expectGeneration: z
      .string()
      .regex(/^\d{1,19}$/)
      .optional(),
  })
  .strict();

/** A plan made on a state another write has already replaced is retried this many times. */
const ATTEMPTS = 3;

/**
 * `POST /snapshots/{version}/rollback`: returns providers, routes and limits to their state in that snapshot,
 * in one transaction; consumers, keys and revocations are never rolled back. With `preview: true` nothing is
 * written. The next snapshot is built from the database as always, so later writes build on the rollback.
 */
export function rollbackSnapshot(app: AdminApp, deps: AdminDeps): void {
  app.post("/:version/rollback", async (c) => {
    const input = await readJson(c, rollbackSchema);
    const target = await findEntry(deps, c.req.param("version"));
    for (let attempt = 1; ; attempt++) {
      const rows = await loadConfigRows(deps.db);
      if (input.expectGeneration !== undefined && BigInt(input.expectGeneration) !== rows.generation) {
        throw new AppError("precondition_failed", "the configuration changed since the preview; preview again");
      }
      const plan = planRollback(historyContentOf(rows), target.content, {
        consumerIds: new Set(rows.consumers.map((x) => x.id)),
        groupIds: new Set(rows.groups.map((x) => x.id)),
      });
      const body = { version: target.version, basedOnGeneration: rows.generation.toString(), changes: planView(plan) };
      if (input.preview) return c.json({ preview: true, ...body });
      const res = await applyRollback(deps.db, plan, rows.generation);
      if (!res.ok) {
        if (res.error.kind === "conflict" && input.expectGeneration === undefined && attempt < ATTEMPTS) continue;
        throw res.error.kind === "conflict"
          ? new AppError("precondition_failed", "the configuration changed during the rollback; preview again")
          : dbFailure(res.error);
      }
      if (!isEmptyPlan(plan)) committed(c, deps, res.value.generation);
      deps.logger.info(
        { version: target.version, generation: res.value.generation.toString() },
        "configuration rolled back",
      );
      return c.json({ preview: false, ...body, generation: res.value.generation.toString() });
    }
  });
}
