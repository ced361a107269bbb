import type { MiddlewareHandler } from "hono";
import { Counter, Histogram, type Registry } from "prom-client";
import { methodLabel, routeLabel, statusClass } from "./request-labels.ts";

/** Options for {@link httpMetrics}. */
export interface HttpMetricsOptions {
  /** The process registry; metrics are registered on it, never on prom-client's global one. */
  registry: Registry;
  /** Metric name part after `switchyard_`, e.g. "data_plane" or "control_plane". */
  subsystem: string;
}

type Labels = "method" | "route" | "status_class";

/** The two HTTP metrics of one subsystem. */
export interface HttpMetricSet {
  requests: Counter<Labels>;
  duration: Histogram<Labels>;
}

/**
 * Buckets from 5 ms to 5 minutes: admin calls answer in milliseconds, while a streamed completion
 * through the data plane can hold a request open for minutes.
 */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Metric sets already registered, per registry and subsystem, so a second factory call reuses them. */
const registered = new WeakMap<Registry, Map<string, HttpMetricSet>>();

/** The subsystem's HTTP metrics on a registry, registered on first use. */
export function metricsFor(registry: Registry, subsystem: string): HttpMetricSet {
  let bySubsystem = registered.get(registry);
  if (!bySubsystem) {
    bySubsystem = new Map();
    registered.set(registry, bySubsystem);
  }
  const existing = bySubsystem.get(subsystem);
  if (existing) return existing;
  const labelNames: Labels[] = ["method", "route", "status_class"];
  const set: HttpMetricSet = {
    requests: new Counter({
      name: `switchyard_${subsystem}_http_requests_total`,
      help: "HTTP requests answered, by method, matched route pattern and status class.",
      labelNames,
      registers: [registry],
    }),
    duration: new Histogram({
      name: `switchyard_${subsystem}_http_request_duration_seconds`,
      help: "Time from receiving an HTTP request to its response being ready, in seconds.",
      labelNames,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
  };
  bySubsystem.set(subsystem, set);
  return set;
}

/**
 * Middleware that counts requests and times them, labelled by the route pattern (not the URL) so the
 * label set stays bounded. For a streamed body the time ends when the response starts, not when it ends.
 */
export function httpMetrics(opts: HttpMetricsOptions): MiddlewareHandler {
  const { requests, duration } = metricsFor(opts.registry, opts.subsystem);
  return async function httpMetricsMiddleware(c, next) {
    const started = performance.now();
    const ownIndex = c.req.routeIndex;
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      const labels = {
        method: methodLabel(c.req.method),
        route: routeLabel(c, ownIndex),
        status_class: statusClass(status),
      };
      requests.inc(labels);
      duration.observe(labels, (performance.now() - started) / 1000);
    }
  };
}
