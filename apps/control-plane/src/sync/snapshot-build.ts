import type { ConfigRows } from "@switchyard/db";
import { buildSnapshot, type ConfigSnapshot } from "@switchyard/policy";
import type { SecretBox } from "../secrets/secret-box.ts";

/**
 * The snapshot for a set of config rows: provider credentials are decrypted here, on the control plane, so
 * data planes never hold the master key. Pure apart from the decryption.
 */
export function snapshotFromRows(rows: ConfigRows, secrets: SecretBox): ConfigSnapshot {
  return buildSnapshot({
    providers: rows.providers.map((p) => ({
      id: p.id,
      name: p.name,
      kind: p.kind,
      baseUrl: p.baseUrl ?? "",
      apiKey: p.apiKey ? secrets.open(p.apiKey) : null,
      connectTimeoutMs: p.connectTimeoutMs,
      firstByteTimeoutMs: p.firstByteTimeoutMs,
      apiVersion: p.apiVersion,
      allowInternal: p.allowInternal,
    })),
    routes: rows.routes.map((r) => ({
      id: r.id,
      alias: r.alias,
      providerId: r.providerId,
      upstreamModel: r.upstreamModel,
      strict: r.strict,
    })),
    consumers: rows.consumers.map((c) => ({ id: c.id, name: c.name, enabled: c.enabled })),
    apiKeys: rows.apiKeys.map((k) => ({ id: k.id, consumerId: k.consumerId, hash: k.hash })),
    limits: rows.limits.map((l) => ({
      id: l.id,
      kind: l.kind,
      window: l.window,
      scope: l.scope,
      scopeId: l.scopeId,
      limit: l.limit,
      failurePolicy: l.failurePolicy,
    })),
  });
}
