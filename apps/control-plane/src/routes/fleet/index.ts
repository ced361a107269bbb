import type { VersionedSnapshot } from "@switchyard/policy";
import { Hono } from "hono";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { historyResource } from "../history/index.ts";
import { nodeView } from "./node-view.ts";

/**
 * `GET /nodes` (every data plane, whichever control-plane replica it is connected to) and `GET /snapshot`
 * (what this replica publishes), and the snapshot history under `/snapshots`.
 */
export function fleetResource(
  deps: AdminDeps,
  current: () => VersionedSnapshot | undefined,
  coveredGeneration: () => bigint,
): AdminApp {
  const app: AdminApp = new Hono();
  app.route("/snapshots", historyResource(deps));
  app.get("/nodes", async (c) => c.json({ data: (await deps.nodes()).map(nodeView) }));
  app.get("/snapshot", (c) => {
    const s = current();
    const covered = coveredGeneration();
    return c.json({
      version: s?.version ?? null,
      generation: s ? s.generation.toString() : null,
      // Every write up to this generation is reflected in `version` (later no-op writes need no push).
      coveredGeneration: covered >= 0n ? covered.toString() : null,
    });
  });
  return app;
}
