import type { NodeStatus } from "@switchyard/config-sync/server";
import { Counter, Gauge, type Registry } from "prom-client";

/** Control-plane metrics beyond HTTP: snapshot builds and the connected fleet. */
export function controlPlaneMetrics(registry: Registry, nodes: () => NodeStatus[]) {
  const builds = new Counter({
    name: "switchyard_controlplane_snapshot_builds_total",
    help: "Snapshot builds, by result (published or inconsistent).",
    labelNames: ["result"],
    registers: [registry],
  });
  const generation = new Gauge({
    name: "switchyard_controlplane_snapshot_generation",
    help: "Generation of the latest published snapshot.",
    registers: [registry],
  });
  new Gauge({
    name: "switchyard_controlplane_connected_nodes",
    help: "Data-plane nodes connected to this control plane's config stream.",
    registers: [registry],
    collect() {
      this.set(nodes().filter((n) => n.connected).length);
    },
  });
  return {
    onBuild(r: { ok: boolean; generation: bigint }) {
      builds.inc({ result: r.ok ? "published" : "inconsistent" });
      if (r.ok) generation.set(Number(r.generation));
    },
  };
}
