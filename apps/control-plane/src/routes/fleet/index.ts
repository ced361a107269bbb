import type { VersionedSnapshot } from "@switchyard/policy";
import { Hono } from "hono";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";

/** `GET /nodes` (fleet status from the config stream) and `GET /snapshot` (what is published). */
export function fleetResource(
  deps: AdminDeps,
  current: () => VersionedSnapshot | undefined,
  coveredGeneration: () => bigint,
): AdminApp {
  const app: AdminApp = new Hono();
  app.get("/nodes", (c) => c.json({ data: deps.nodes() }));
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
