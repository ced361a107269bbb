import type { Selectable } from "kysely";
import type { DataPlaneNodesTable } from "../database.ts";

/** Why a node rejected a snapshot, as the node reported it. */
export interface NodeNackRecord {
  readonly version: string;
  readonly error: { code: string; message: string; entityKind?: string; entityId?: string };
  readonly at: Date;
}

/** One data plane node as the fleet view shows it, whichever control-plane replica it is connected to. */
export interface NodeStatusRecord {
  readonly nodeId: string;
  readonly hostname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly buildVersion: string;
  readonly protocolVersion: number;
  /** The stream the status belongs to; a newer stream's status always wins. */
  readonly streamId: string;
  /** The control-plane replica holding (or last holding) the node's stream. */
  readonly replicaId: string;
  readonly compatible: boolean;
  readonly incompatibility: string | null;
  readonly connected: boolean;
  readonly connectedAt: Date;
  readonly lastSeenAt: Date;
  readonly ackedVersion: string | null;
  readonly ackedGeneration: bigint | null;
  readonly ackedAt: Date | null;
  readonly lastNack: NodeNackRecord | null;
}

/** What a replica writes about one node; `replicaId` is added by the writer. */
export type NodeStatusInput = Omit<NodeStatusRecord, "replicaId">;

/** Maps a row to a record; `live` says whether the row's replica still vouches for the connection. */
export function toNodeStatusRecord(row: Selectable<DataPlaneNodesTable>, live: boolean): NodeStatusRecord {
  return {
    nodeId: row.node_id,
    hostname: row.hostname,
    labels: row.labels,
    buildVersion: row.build_version,
    protocolVersion: row.protocol_version,
    streamId: row.stream_id,
    replicaId: row.replica_id,
    compatible: row.compatible,
    incompatibility: row.incompatibility,
    connected: row.connected && live,
    connectedAt: row.connected_at,
    lastSeenAt: row.last_seen_at,
    ackedVersion: row.acked_version,
    ackedGeneration: row.acked_generation === null ? null : BigInt(row.acked_generation),
    ackedAt: row.acked_at,
    lastNack: row.last_nack ? { ...row.last_nack, at: new Date(row.last_nack.at) } : null,
  };
}
