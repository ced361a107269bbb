import type { ConfigServerEvents, NodeStatus } from "@switchyard/config-sync/server";
import type { VersionedSnapshot } from "@switchyard/policy";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** Where the metrics read fleet state from at scrape time. */
export interface MetricSources {
  /** This replica's streams. */
  nodes(): NodeStatus[];
  /** What this replica publishes. */
  current(): VersionedSnapshot | undefined;
}

/**
 * Control-plane metrics beyond HTTP: snapshot builds (result, duration, generation), what the config stream
 * does (sends, answers, connects, refusals) and how much of the connected fleet is behind. Labels are
 * bounded: no node ids.
 */
export function controlPlaneMetrics(registry: Registry, src: MetricSources) {
  const registers = [registry];
  const builds = new Counter({
    name: "switchyard_controlplane_snapshot_builds_total",
    help: "Snapshot builds, by result (published or inconsistent).",
    labelNames: ["result"],
    registers,
  });
  const buildDuration = new Histogram({
    name: "switchyard_controlplane_snapshot_build_duration_seconds",
    help: "Time to read the configuration and build, check and version a snapshot.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const generation = new Gauge({
    name: "switchyard_controlplane_snapshot_generation",
    help: "Generation of the latest published snapshot.",
    registers,
  });
  const sends = new Counter({
    name: "switchyard_controlplane_snapshot_sends_total",
    help: "Snapshots sent to data planes, by kind (full or delta).",
    labelNames: ["kind"],
    registers,
  });
  const answers = new Counter({
    name: "switchyard_controlplane_node_applies_total",
    help: "Answers from data planes to the latest send, by result (ack or nack).",
    labelNames: ["result"],
    registers,
  });
  const connects = new Counter({
    name: "switchyard_controlplane_node_connects_total",
    help: "Config streams accepted; more than the fleet size means nodes reconnected.",
    registers,
  });
  const refusals = new Counter({
    name: "switchyard_controlplane_node_refusals_total",
    help: "Config streams refused, by reason (unauthenticated, incompatible, invalid).",
    labelNames: ["reason"],
    registers,
  });
  new Gauge({
    name: "switchyard_controlplane_connected_nodes",
    help: "Data-plane nodes connected to this control plane's config stream.",
    registers,
    collect() {
      this.set(src.nodes().filter((n) => n.connected).length);
    },
  });
  new Gauge({
    name: "switchyard_controlplane_nodes_behind",
    help: "Connected nodes that have not acked the published snapshot.",
    registers,
    collect() {
      const version = src.current()?.version;
      this.set(src.nodes().filter((n) => n.connected && n.ackedVersion !== version).length);
    },
  });
  const events: ConfigServerEvents = {
    onConnected: () => connects.inc(),
    onRefused: (reason) => refusals.inc({ reason }),
    onSent: (kind) => sends.inc({ kind }),
    onAnswer: (result) => answers.inc({ result }),
  };
  return {
    events,
    onBuild(r: { ok: boolean; generation: bigint; durationMs: number }) {
      builds.inc({ result: r.ok ? "published" : "inconsistent" });
      buildDuration.observe(r.durationMs / 1000);
      if (r.ok) generation.set(Number(r.generation));
    },
  };
}
