import type { NodeStatus } from "@switchyard/config-sync/server";
import { type Db, type NodeStatusRecord, nodeStatuses } from "@switchyard/db";
import type { Logger } from "@switchyard/telemetry";

/** Options of {@link createFleetView}. */
export interface FleetViewOptions {
  db: Db;
  replicaId: string;
  /** This replica's own streams, fresher than what it last wrote. */
  nodes(): NodeStatus[];
  /** A row whose replica has not stamped it for this long counts as disconnected. */
  staleAfterMs: number;
  logger: Logger;
}

/**
 * The fleet as `GET /admin/v1/nodes` shows it: every node any replica wrote to PostgreSQL, overlaid with this
 * replica's own in-memory statuses (newer by up to one write interval). When the database cannot answer,
 * the local view alone is better than an error.
 */
export function createFleetView(opts: FleetViewOptions): () => Promise<NodeStatusRecord[]> {
  return async () => {
    const local = opts.nodes().map((n) => ({ ...n, replicaId: opts.replicaId }));
    let stored: NodeStatusRecord[] = [];
    try {
      stored = await nodeStatuses.listNodeStatuses(opts.db, { staleAfterMs: opts.staleAfterMs });
    } catch (e) {
      opts.logger.warn(
        { err: { message: (e as Error).message } },
        "reading node status failed; showing this replica's",
      );
    }
    const byId = new Map(stored.map((n) => [n.nodeId, n]));
    for (const n of local) {
      const other = byId.get(n.nodeId);
      // Same rule as the database's: the status of the newer stream wins.
      if (!other || other.streamId === n.streamId || other.connectedAt <= n.connectedAt) byId.set(n.nodeId, n);
    }
    return [...byId.values()].sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
  };
}
