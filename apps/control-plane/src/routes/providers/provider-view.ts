import type { ProviderRecord } from "@switchyard/db";

/** The provider as the admin API shows it: the credential is write-only, only its presence is visible. */
export function providerView(p: ProviderRecord) {
  return {
    id: p.id,
    name: p.name,
    kind: p.kind,
    baseUrl: p.baseUrl,
    hasApiKey: p.hasApiKey,
    connectTimeoutMs: p.connectTimeoutMs,
    firstByteTimeoutMs: p.firstByteTimeoutMs,
    apiVersion: p.apiVersion,
    allowInternal: p.allowInternal,
    revision: p.revision,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
