import type { ConsumerSpec, LimitSpec } from "./types.ts";

/**
 * The limits that can apply to calls by one consumer: its own (scope `consumer`), its group's, and every
 * route, provider and global limit (any consumer may call any route). The data plane applies the subset that
 * matches each call's route and provider; route, provider and global counters are shared with other consumers.
 */
export function consumerLimits(
  limits: readonly LimitSpec[],
  consumer: Pick<ConsumerSpec, "id" | "groupId">,
): LimitSpec[] {
  return limits.filter((l) => {
    if (l.scope === "consumer") return l.scopeId === consumer.id;
    if (l.scope === "consumer_group") return consumer.groupId !== null && l.scopeId === consumer.groupId;
    return true;
  });
}
