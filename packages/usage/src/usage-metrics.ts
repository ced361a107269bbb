import { Counter, Gauge, type Registry } from "prom-client";

/**
 * A counter on `registry`, or the one already registered under that name: a test (or a process running both
 * sides) may build a producer and a consumer on one registry, and both count drops in the same family.
 */
export function counterOn(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** A gauge on `registry`, or the one already registered under that name. */
export function gaugeOn(registry: Registry, name: string, help: string): Gauge {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge;
  return new Gauge({ name, help, registers: [registry] });
}

/** The family every lost record is counted in, labelled by where it was lost. */
export const DROPPED_TOTAL = "switchyard_usage_records_dropped_total";
export const DROPPED_HELP =
  "Usage records lost, by reason: spool_full (oldest spooled records dropped on a data plane), stream_trimmed (trimmed from the stream before any control plane read them), trimmed_pending (read by a control plane that died, trimmed before another claimed them), malformed (entries that are not usage records).";
