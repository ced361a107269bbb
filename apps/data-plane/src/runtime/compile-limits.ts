import type { ApplyError } from "@switchyard/config-sync/client";
import { err, ok, type Result } from "@switchyard/errors";
import type { LimitSpec, LimitWindow } from "@switchyard/policy";
import type { RequestRule } from "@switchyard/ratelimit";

/**
 * Fixed window lengths. `month` has no fixed length and is refused until the limits issue defines how a
 * calendar window is counted.
 */
const WINDOW_MS: Partial<Record<LimitWindow, number>> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** The scope key a consumer's rules count against; rules with equal scope and window share a counter. */
export function consumerScopeKey(consumerId: string): string {
  return `consumer:${consumerId}`;
}

/**
 * Turns the snapshot's limits into request rules grouped by consumer. A limit this node cannot enforce is an
 * error naming it: applying the rest would silently drop a limit the operator believes is in force.
 */
export function compileLimits(limits: readonly LimitSpec[]): Result<Map<string, RequestRule[]>, ApplyError> {
  const byConsumer = new Map<string, RequestRule[]>();
  for (const l of limits) {
    const unsupported = (what: string): Result<never, ApplyError> =>
      err({
        code: "unsupported_limit",
        message: `${what} is not enforced by this data plane`,
        entityKind: "limit",
        entityId: l.id,
      });
    if (l.kind !== "requests") return unsupported(`limit kind ${l.kind}`);
    if (l.scope !== "consumer") return unsupported(`limit scope ${l.scope}`);
    if (l.mode !== "enforce") return unsupported(`limit mode ${l.mode}`);
    if (l.failurePolicy === "local") return unsupported("failure policy local");
    if (l.streamCutoff) return unsupported("stream cut-off");
    const windowMs = l.window === null ? undefined : WINDOW_MS[l.window];
    if (windowMs === undefined) return unsupported(`limit window ${l.window}`);
    if (!Number.isSafeInteger(l.limit) || l.limit < 0) {
      return err({
        code: "invalid_limit",
        message: "limit must be a non-negative integer",
        entityKind: "limit",
        entityId: l.id,
      });
    }
    const rule: RequestRule = {
      id: l.id,
      limit: l.limit,
      windowMs,
      scopeKey: consumerScopeKey(l.scopeId),
      failurePolicy: l.failurePolicy,
    };
    const list = byConsumer.get(l.scopeId);
    if (list) list.push(rule);
    else byConsumer.set(l.scopeId, [rule]);
  }
  return ok(byConsumer);
}
