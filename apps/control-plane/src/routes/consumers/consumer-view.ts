import type { ConsumerRecord } from "@switchyard/db";

/** The consumer as the admin API shows it. */
export function consumerView(r: ConsumerRecord) {
  return {
    id: r.id,
    name: r.name,
    metadata: r.metadata,
    enabled: r.enabled,
    groupId: r.groupId,
    revision: r.revision,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
