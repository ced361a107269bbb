import type { ApiKeyRecord } from "@switchyard/db";

/** A key as the admin API lists it: never the key text nor its hash. */
export function keyView(k: ApiKeyRecord) {
  return {
    id: k.id,
    consumerId: k.consumerId,
    name: k.name,
    prefix: k.prefix,
    createdAt: k.createdAt.toISOString(),
    revokedAt: k.revokedAt ? k.revokedAt.toISOString() : null,
  };
}
