import { Hono } from "hono";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { diffSnapshots } from "./diff-snapshots.ts";
import { getSnapshot } from "./get-snapshot.ts";
import { listSnapshots } from "./list-snapshots.ts";
import { rollbackSnapshot } from "./rollback.ts";

/** `/snapshots`: the history of published snapshots, diffs between them, and rollback. */
export function historyResource(deps: AdminDeps): AdminApp {
  const app: AdminApp = new Hono();
  listSnapshots(app, deps);
  diffSnapshots(app, deps);
  rollbackSnapshot(app, deps);
  getSnapshot(app, deps);
  return app;
}
