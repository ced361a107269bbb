import { usage } from "@switchyard/db";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { parseParams } from "../../admin/validate.ts";
import { usageQuerySchema } from "./usage-query-schema.ts";
import { sumsView } from "./usage-view.ts";

/**
 * `GET /usage?from=YYYY-MM-DD&to=YYYY-MM-DD&groupBy=consumer|group|route|model[&consumerId=&groupId=&routeId=&model=]`:
 * usage and spend per key over UTC days `from`..`to` (both included), per day and in total, from the daily
 * totals. Cost covers priced requests; `unpricedRequests` counts those whose model had no price (never free).
 * With `groupBy=group`, consumers without a group have the key null.
 */
export function getUsage(app: AdminApp, deps: AdminDeps): void {
  app.get("/", async (c) => {
    const q = parseParams(usageQuerySchema, c.req.query());
    const filters = {
      ...(q.consumerId !== undefined ? { consumerId: q.consumerId } : {}),
      ...(q.groupId !== undefined ? { groupId: q.groupId } : {}),
      ...(q.routeId !== undefined ? { routeId: q.routeId } : {}),
      ...(q.model !== undefined ? { model: q.model } : {}),
    };
    const report = await usage.query(deps.db, { from: q.from, to: q.to, groupBy: q.groupBy, filters });
    return c.json({
      from: q.from,
      to: q.to,
      groupBy: q.groupBy,
      total: sumsView(report.total),
      data: report.totals.map((t) => ({ key: t.key, ...sumsView(t) })),
      daily: report.daily.map((d) => ({ day: d.day, key: d.key, ...sumsView(d) })),
    });
  });
}
