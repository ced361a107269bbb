import { statusClass } from "@switchyard/telemetry";
import { Counter, Histogram, type Registry } from "prom-client";

/**
 * How an upstream call ended, as a bounded label: the response's status class, or `timeout` (no headers in
 * time), `error` (no connection or a broken one) and `aborted` (the client left first).
 */
export type UpstreamOutcome = "1xx" | "2xx" | "3xx" | "4xx" | "5xx" | "timeout" | "error" | "aborted" | "cut_off";

/** The data plane's upstream metrics; labels are the provider kind and outcome only, never URLs or keys. */
export interface UpstreamMetrics {
  /** Counts one finished upstream call. */
  record(providerKind: string, outcome: UpstreamOutcome): void;
  /** Observes the time from dispatch to response headers. */
  firstByte(providerKind: string, seconds: number): void;
}

const REQUESTS = "switchyard_dataplane_upstream_requests_total";
const FIRST_BYTE = "switchyard_dataplane_upstream_first_byte_seconds";

/** The status class label of an HTTP status, clamped to 1xx–5xx (telemetry's constant strings). */
export function outcomeOf(status: number): UpstreamOutcome {
  return statusClass(Math.min(599, Math.max(100, status))) as UpstreamOutcome;
}

/**
 * Registers (or, for a second app on the same registry, reuses) the upstream metrics. Time to first byte is
 * the number that tells a slow provider from a slow gateway.
 */
export function createUpstreamMetrics(registry: Registry): UpstreamMetrics {
  const requests =
    (registry.getSingleMetric(REQUESTS) as Counter<"provider_kind" | "status_class"> | undefined) ??
    new Counter({
      name: REQUESTS,
      help: "Upstream provider calls, by provider kind and outcome (status class, timeout, error, aborted).",
      labelNames: ["provider_kind", "status_class"],
      registers: [registry],
    });
  const firstByte =
    (registry.getSingleMetric(FIRST_BYTE) as Histogram<"provider_kind"> | undefined) ??
    new Histogram({
      name: FIRST_BYTE,
      help: "Time from sending a request upstream to receiving its response headers, in seconds.",
      labelNames: ["provider_kind"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
  return {
    record: (provider_kind, status_class) => requests.inc({ provider_kind, status_class }),
    firstByte: (provider_kind, seconds) => firstByte.observe({ provider_kind }, seconds),
  };
}
