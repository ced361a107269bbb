import type { NodeStatusRecord } from "@switchyard/db";

/** A node as the admin API shows it: generations as strings (JSON has no 64-bit integers), times as ISO text. */
export function nodeView(n: NodeStatusRecord) {
  return {
    nodeId: n.nodeId,
    hostname: n.hostname,
    labels: n.labels,
    buildVersion: n.buildVersion,
    protocolVersion: n.protocolVersion,
    compatible: n.compatible,
    incompatibility: n.incompatibility,
    connected: n.connected,
    controlPlane: n.replicaId,
    connectedAt: n.connectedAt.toISOString(),
    lastSeenAt: n.lastSeenAt.toISOString(),
    ackedVersion: n.ackedVersion,
    ackedGeneration: n.ackedGeneration === null ? null : n.ackedGeneration.toString(),
    ackedAt: n.ackedAt?.toISOString() ?? null,
    lastNack: n.lastNack
      ? { version: n.lastNack.version, error: n.lastNack.error, at: n.lastNack.at.toISOString() }
      : null,
  };
}
