import type { VersionedSnapshot } from "@switchyard/policy";
import { accessLog, healthRoutes, httpMetrics, requestId } from "@switchyard/telemetry";
import { Hono } from "hono";
import type { Registry } from "prom-client";
import { consumerLimitsResource } from "../routes/consumer-limits/index.ts";
import { consumersResource } from "../routes/consumers/index.ts";
import { fleetResource } from "../routes/fleet/index.ts";
import { groupsResource } from "../routes/groups/index.ts";
import { keysResource } from "../routes/keys/index.ts";
import { limitsResource } from "../routes/limits/index.ts";
import { pricesResource } from "../routes/prices/index.ts";
import { providersResource } from "../routes/providers/index.ts";
import { routesResource } from "../routes/routes/index.ts";
import { usageResource } from "../routes/usage/index.ts";
import { adminAuth } from "./auth.ts";
import type { AdminApp, AdminDeps } from "./deps.ts";
import { adminErrorHandler } from "./errors.ts";
import { buildOpenApi } from "./openapi.ts";

/** What the admin app needs beyond the resource dependencies. */
export interface AdminAppOptions {
  /** Accepted admin tokens (ADMIN_TOKEN). */
  adminTokens: readonly string[];
  registry: Registry;
  /** Readiness: migrations current and the database answering. */
  ready(): Promise<boolean>;
  /** The snapshot currently published. */
  currentSnapshot(): VersionedSnapshot | undefined;
  /** The newest generation the published snapshot reflects. */
  coveredGeneration(): bigint;
  buildVersion: string;
}

/**
 * Builds the admin HTTP app: `/healthz` and `/readyz` open, everything under `/admin/v1` behind the
 * admin token, one error handler for the whole app.
 */
export function createAdminApp(deps: AdminDeps, opts: AdminAppOptions): AdminApp {
  const app: AdminApp = new Hono();
  app.use(requestId());
  app.use(httpMetrics({ registry: opts.registry, subsystem: "controlplane" }));
  app.use(accessLog({ logger: deps.logger }));
  app.route("/", healthRoutes(opts.ready));

  const v1: AdminApp = new Hono();
  v1.use(adminAuth({ tokens: opts.adminTokens }));
  const openapi = buildOpenApi(opts.buildVersion);
  v1.get("/openapi.json", (c) => c.json(openapi));
  v1.route("/providers", providersResource(deps));
  v1.route("/routes", routesResource(deps));
  v1.route("/consumers/:id/keys", keysResource(deps));
  v1.route(
    "/consumers/:id/limits",
    consumerLimitsResource(deps, () => opts.currentSnapshot()?.config),
  );
  v1.route("/consumers", consumersResource(deps));
  v1.route("/groups", groupsResource(deps));
  v1.route("/limits", limitsResource(deps));
  v1.route("/usage", usageResource(deps));
  v1.route("/prices", pricesResource(deps));
  v1.route("/", fleetResource(deps, opts.currentSnapshot, opts.coveredGeneration));
  app.route("/admin/v1", v1);

  app.notFound((c) =>
    c.json({ error: { code: "not_found", message: "no such endpoint", requestId: c.get("requestId") ?? "" } }, 404),
  );
  app.onError(adminErrorHandler(deps.logger));
  return app;
}
