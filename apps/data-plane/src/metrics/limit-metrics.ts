import type { Admission } from "@switchyard/ratelimit";
import { Counter, type Registry } from "prom-client";

/** What the request path reports about limits; built once, with every label child bound up front. */
export interface LimitMetrics {
  /** One admission decided by the limiter. */
  admission(a: Admission): void;
  /** One rule decided without Redis, or a shadow rule that would have rejected (the limiter's `onDecision`). */
  ruleDecision(e: { policy: string; outcome: string }): void;
}

/**
 * Limit metrics:
 * - `switchyard_dataplane_limit_admissions_total{result}`: admitted, rate_limited, quota_exhausted, unavailable;
 * - `switchyard_dataplane_ratelimit_degraded_total{outcome}`: admissions decided (partly) by failure policies
 *   because Redis could not answer, admitted or rejected (the chart's alert watches it);
 * - `switchyard_dataplane_limit_shadow_rejections_total`: calls a shadow limit would have rejected;
 * - `switchyard_dataplane_limit_rule_decisions_total{policy,outcome}`: each rule decided without Redis.
 */
export function createLimitMetrics(registry: Registry): LimitMetrics {
  const admissions = new Counter({
    name: "switchyard_dataplane_limit_admissions_total",
    help: "Calls checked against limits, by result.",
    labelNames: ["result"],
    registers: [registry],
  });
  const degraded = new Counter({
    name: "switchyard_dataplane_ratelimit_degraded_total",
    help: "Limit decisions taken by a failure policy because the limiter store could not answer, by outcome.",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const shadow = new Counter({
    name: "switchyard_dataplane_limit_shadow_rejections_total",
    help: "Calls a shadow-mode limit would have rejected (they were admitted).",
    registers: [registry],
  });
  const rules = new Counter({
    name: "switchyard_dataplane_limit_rule_decisions_total",
    help: "Limit rules decided without the shared limiter (failure policies), by policy and outcome.",
    labelNames: ["policy", "outcome"],
    registers: [registry],
  });
  const admitted = admissions.labels("admitted");
  const byReason = {
    rate_limit: admissions.labels("rate_limited"),
    quota: admissions.labels("quota_exhausted"),
    unavailable: admissions.labels("unavailable"),
  };
  const degradedAdmitted = degraded.labels("admitted");
  const degradedRejected = degraded.labels("rejected");
  for (const l of ["admitted", "rate_limited", "quota_exhausted", "unavailable"]) admissions.labels(l);
  return {
    admission(a) {
      if (a.allowed) admitted.inc();
      else byReason[a.reason ?? "rate_limit"].inc();
      if (a.degraded) (a.allowed ? degradedAdmitted : degradedRejected).inc();
      if (a.shadowBlocked.length > 0) shadow.inc();
    },
    ruleDecision(e) {
      rules.labels(e.policy, e.outcome).inc();
    },
  };
}
