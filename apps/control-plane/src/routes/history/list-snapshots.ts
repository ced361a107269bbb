import { snapshotHistory } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { entryView } from "./history-view.ts";

/**
 * `GET /snapshots?limit=&cursor=`: published snapshots, newest first. The cursor is the generation of the
 * last entry returned; the next page holds older ones.
 */
export function listSnapshots(app: AdminApp, deps: AdminDeps): void {
  app.get("/", async (c) => {
    const limitText = c.req.query("limit") ?? "50";
    const cursor = c.req.query("cursor");
    const limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > 500) {
      throw new AppError("validation_failed", "limit must be an integer from 1 to 500", {
        details: [{ field: "limit", message: "must be an integer from 1 to 500" }],
      });
    }
    if (cursor !== undefined && !/^\d{1,19}$/.test(cursor)) {
      throw new AppError("validation_failed", "cursor is not valid", {
        details: [{ field: "cursor", message: "not a cursor from this list" }],
      });
    }
    const entries = await snapshotHistory.list(deps.db, {
      limit: limit + 1,
      ...(cursor === undefined ? {} : { before: BigInt(cursor) }),
    });
    const page = entries.slice(0, limit);
    const next = entries.length > limit ? page.at(-1)?.generation.toString() : undefined;
    return c.json({ data: page.map((e) => entryView(e)), nextCursor: next ?? null });
  });
}
