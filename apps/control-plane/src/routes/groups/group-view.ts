import type { GroupRecord } from "@switchyard/db";

/** The consumer group as the admin API shows it. */
export function groupView(r: GroupRecord) {
  return {
    id: r.id,
    name: r.name,
    revision: r.revision,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
