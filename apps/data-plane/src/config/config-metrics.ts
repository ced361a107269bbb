import type { ApplyReport, WatcherState } from "@switchyard/config-sync/client";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { ConfigFreshness } from "./config-freshness.ts";

/** The data plane's config-sync metrics, fed by the watcher and the last-known-good file. */
export interface ConfigMetrics {
  onApply(report: ApplyReport, generation?: bigint): void;
  onState(state: WatcherState): void;
  /** Size of the encoded snapshot now served. */
  snapshotBytes(bytes: number): void;
  onFileWrite(ok: boolean): void;
}

/**
 * Registers the metrics that say whether a node's configuration can be trusted: connected or not, how old
 * it is, what was applied and how long that took, how big it is, and how often the stream dropped.
 */
export function createConfigMetrics(registry: Registry, freshness: ConfigFreshness): ConfigMetrics {
  const registers = [registry];
  new Gauge({
    name: "switchyard_dataplane_config_connected",
    help: "1 while the config stream to the control plane is open, else 0.",
    registers,
    collect() {
      this.set(freshness.connected() ? 1 : 0);
    },
  });
  new Gauge({
    name: "switchyard_dataplane_config_age_seconds",
    help: "Seconds since the node last knew it served the control plane's current snapshot (0 while in sync).",
    registers,
    collect() {
      const age = freshness.ageMs();
      if (age === null) this.reset();
      else this.set(age / 1000);
    },
  });
  const generation = new Gauge({
    name: "switchyard_dataplane_config_generation",
    help: "Generation of the snapshot the node serves.",
    registers,
  });
  const applies = new Counter({
    name: "switchyard_dataplane_config_applies_total",
    help: "Snapshot apply attempts, by result (ack or nack) and source (stream or disk).",
    labelNames: ["result", "source"],
    registers,
  });
  const duration = new Histogram({
    name: "switchyard_dataplane_config_apply_duration_seconds",
    help: "Time to compile and swap in a snapshot.",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const decode = new Histogram({
    name: "switchyard_dataplane_config_decode_duration_seconds",
    help: "Time to decode and verify a pushed snapshot or delta (merge, version hash, consistency) before compiling it.",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const size = new Gauge({
    name: "switchyard_dataplane_config_snapshot_bytes",
    help: "Size of the encoded snapshot the node serves.",
    registers,
  });
  const reconnects = new Counter({
    name: "switchyard_dataplane_config_reconnects_total",
    help: "Config stream attempts after the first one.",
    registers,
  });
  const fileWrites = new Counter({
    name: "switchyard_dataplane_config_file_writes_total",
    help: "Writes of the last-known-good snapshot file, by result.",
    labelNames: ["result"],
    registers,
  });
  let attempts = 0;
  return {
    onApply(report, gen) {
      applies.inc({ result: report.result, source: report.source });
      if (report.decodeMs !== undefined) decode.observe(report.decodeMs / 1000);
      if (report.result === "ack") {
        duration.observe(report.durationMs / 1000);
        if (gen !== undefined) generation.set(Number(gen));
      }
    },
    onState(state) {
      if (state !== "connecting") return;
      attempts += 1;
      if (attempts > 1) reconnects.inc();
    },
    snapshotBytes: (bytes) => size.set(bytes),
    onFileWrite: (ok) => fileWrites.inc({ result: ok ? "ok" : "error" }),
  };
}
