import type { LimitRecord } from "@switchyard/db";

/** The limit as the admin API shows it. */
export function limitView(r: LimitRecord) {
  return {
    id: r.id,
    kind: r.kind,
    window: r.window,
    scope: r.scope,
    scopeId: r.scopeId,
    limit: r.limit,
    failurePolicy: r.failurePolicy,
    mode: r.mode,
    onUnpriced: r.onUnpriced,
    streamCutoff: r.streamCutoff,
    revision: r.revision,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
