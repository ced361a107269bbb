import { diffEntities, snapshotHistory } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { findEntry } from "./get-snapshot.ts";
import { planView } from "./history-view.ts";

/**
 * `GET /snapshots/{version}/diff?to={version}`: what changed from one published snapshot to another (the
 * newest one when `to` is absent). Providers, routes, limits and prices in detail; consumers, groups and keys
 * as counts.
 */
export function diffSnapshots(app: AdminApp, deps: AdminDeps): void {
  app.get("/:version/diff", async (c) => {
    const from = await findEntry(deps, c.req.param("version"));
    const toParam = c.req.query("to");
    const to = toParam ? await findEntry(deps, toParam) : await snapshotHistory.newest(deps.db);
    if (!to) throw new AppError("not_found", "history is empty");
    return c.json({
      from: { version: from.version, generation: from.generation.toString(), counts: from.counts },
      to: { version: to.version, generation: to.generation.toString(), counts: to.counts },
      changes: planView({
        providers: diffEntities(from.content.providers, to.content.providers),
        routes: diffEntities(from.content.routes, to.content.routes),
        limits: diffEntities(from.content.limits, to.content.limits),
        // History from before the price catalog has no prices: nothing to compare, not "all removed".
        prices:
          from.content.prices && to.content.prices
            ? diffEntities(from.content.prices, to.content.prices)
            : diffEntities([], []),
      }),
    });
  });
}
