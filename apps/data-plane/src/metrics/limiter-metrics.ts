import type { LimitDecision, RequestLimiter, RequestRule } from "@switchyard/ratelimit";
import { Counter, type Registry } from "prom-client";

/**
 * Counts the limiter's degraded decisions: those taken by a limit's failure policy because the shared store
 * (Redis) did not answer in time, labelled by whether the request was still admitted. The counter is what
 * the chart's "limiter store errors" alert watches; every such decision is also logged by the limiter once
 * per outage.
 */
export function countDegradedDecisions(inner: RequestLimiter, registry: Registry): RequestLimiter {
  const degraded = new Counter({
    name: "switchyard_dataplane_ratelimit_degraded_total",
    help: "Limit decisions taken by a failure policy because the limiter store could not answer, by outcome.",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const admitted = degraded.labels("admitted");
  const rejected = degraded.labels("rejected");
  const observe = (d: LimitDecision): LimitDecision => {
    if (d.degraded) (d.allowed ? admitted : rejected).inc();
    return d;
  };
  return {
    check: (rules: readonly RequestRule[]) => inner.check(rules).then(observe),
    close: () => inner.close(),
  };
}
