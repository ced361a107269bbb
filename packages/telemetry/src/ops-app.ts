import { Hono } from "hono";
import type { Registry } from "prom-client";
import { healthRoutes, type ReadinessCheck } from "./health-routes.ts";

/** Options for {@link createOpsApp}. */
export interface OpsAppOptions {
  /** The process registry whose metrics `/metrics` exposes. */
  registry: Registry;
  /** Readiness check behind `/readyz`. */
  ready: ReadinessCheck;
}

/**
 * The operations app served on a separate port: `/metrics` for Prometheus plus the health routes.
 * Kept off the main port so scrapes and probes are not exposed to API clients.
 */
export function createOpsApp(opts: OpsAppOptions): Hono {
  const app = new Hono();
  app.get("/metrics", async (c) => {
    const body = await opts.registry.metrics();
    return c.body(body, 200, { "content-type": opts.registry.contentType });
  });
  app.route("/", healthRoutes(opts.ready));
  return app;
}
