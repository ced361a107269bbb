import { randomUUID } from "node:crypto";
import type { Amounts, LimitRule } from "./engine-types.ts";

/** A rule with a fresh scope (so tests never share counters) and the given fields; tests only. */
export function testRule(kind: LimitRule["kind"], limit: number, extra: Partial<LimitRule> = {}): LimitRule {
  const id = randomUUID();
  return {
    id,
    kind,
    window: kind === "concurrency" ? null : "minute",
    limit,
    scopeKey: `consumer:${id}`,
    failurePolicy: "fail-closed",
    localLimit: limit,
    shadow: false,
    quota: false,
    cutoff: false,
    ...extra,
  };
}

/** Amounts with zeros for what is not given; tests only. */
export function amounts(a: Partial<Amounts> = {}): Amounts {
  return { inputTokens: 0, outputTokens: 0, costMicroUsd: 0, ...a };
}
