import type { VersionedSnapshot } from "@switchyard/policy";
import { Hono } from "hono";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";

/** `GET /nodes` (fleet status from the config stream) and `GET /snapshot` (what is published). */
export function fleetResource(deps: AdminDeps, current: () => VersionedSnapshot | undefined): AdminApp {
  const app: AdminApp = new Hono();
  app.get("/nodes", (c) => c.json({ data: deps.nodes() }));
  app.get("/snapshot", (c) => {
    const s = current();
    return c.json(
      s ? { version: s.version, generation: s.generation.toString() } : { version: null, generation: null },
    );
  });
  return app;
}
