import type { ConfigSnapshot } from "@switchyard/policy";
import { Hono } from "hono";
import type { AdminApp, AdminDeps } from "../../admin/deps.ts";
import { getConsumerLimits } from "./get-consumer-limits.ts";

/** The `/consumers/{id}/limits` resource: current counters of the limits that apply to a consumer. */
export function consumerLimitsResource(deps: AdminDeps, current: () => ConfigSnapshot | undefined): AdminApp {
  const app: AdminApp = new Hono();
  getConsumerLimits(app, deps, current);
  return app;
}
