import type { LimitScope, LimitSpec } from "@switchyard/policy";
import type { LimitRule } from "./engine-types.ts";

/** Micro-dollars per dollar: budgets are counted in whole micro-dollars so counters stay integers. */
export const MICRO_USD = 1_000_000;

/** The counter a limit of one scope is shared through; `global` has one for all traffic. */
export function scopeKey(scope: LimitScope, scopeId: string): string {
  switch (scope) {
    case "consumer":
      return `consumer:${scopeId}`;
    case "consumer_group":
      return `group:${scopeId}`;
    case "route":
      return `route:${scopeId}`;
    case "provider":
      return `provider:${scopeId}`;
    case "global":
      return "global";
  }
}

/**
 * A limit as the limiter counts it: budgets in micro-dollars, the node's share for the `local` failure policy
 * (the limit divided by the fleet size the control plane reported, rounded up, so the fleet together never
 * admits much less than the limit while Redis is away), and whether a rejection is a quota (a budget, or a
 * daily or monthly allowance: `insufficient_quota`, not worth retrying soon) or a rate limit.
 */
export function limitRule(spec: LimitSpec, fleetSize: number): LimitRule {
  const limit = spec.kind === "cost_usd" ? Math.round(spec.limit * MICRO_USD) : spec.limit;
  return {
    id: spec.id,
    kind: spec.kind,
    window: spec.window,
    limit,
    scopeKey: scopeKey(spec.scope, spec.scopeId),
    failurePolicy: spec.failurePolicy,
    localLimit: Math.ceil(limit / Math.max(1, fleetSize)),
    shadow: spec.mode === "shadow",
    quota: spec.kind === "cost_usd" || spec.window === "day" || spec.window === "month",
    cutoff: spec.streamCutoff,
  };
}
