import { type FullHistoryEntry, snapshotHistory } from "@switchyard/db";
import { AppError } from "@switchyard/errors";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { entryView } from "./history-view.ts";

/** The history entry a path names (full version or a unique prefix of at least 8 hex characters), or 404. */
export async function findEntry(deps: AdminDeps, version: string): Promise<FullHistoryEntry> {
  const entry = await snapshotHistory.find(deps.db, version.toLowerCase());
  if (!entry) throw new AppError("not_found", "no snapshot in history has this version (or the prefix is ambiguous)");
  return entry;
}

/** `GET /snapshots/{version}`: one published snapshot with its providers (no credentials), routes and limits. */
export function getSnapshot(app: AdminApp, deps: AdminDeps): void {
  app.get("/:version", async (c) => c.json(entryView(await findEntry(deps, c.req.param("version")))));
}
