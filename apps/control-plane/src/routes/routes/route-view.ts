import type { RouteRecord } from "@switchyard/db";

/** The route as the admin API shows it. */
export function routeView(r: RouteRecord) {
  return {
    id: r.id,
    alias: r.alias,
    providerId: r.providerId,
    upstreamModel: r.upstreamModel,
    strict: r.strict,
    revision: r.revision,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
