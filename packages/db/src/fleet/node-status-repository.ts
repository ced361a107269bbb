import { sql } from "kysely";
import type { Db } from "../create-db.ts";
import { type NodeStatusInput, type NodeStatusRecord, toNodeStatusRecord } from "./node-status-record.ts";

/**
 * Writes one replica's node statuses in one statement. A row changes only when the status comes from the same
 * stream or from a stream accepted no earlier, so a replica reporting a node's old, dead stream cannot
 * overwrite what the replica holding its new stream wrote. Connected nodes are stamped with the database's
 * clock, so staleness is judged on one clock whatever the replicas' clocks say.
 */
export async function saveNodeStatuses(db: Db, replicaId: string, statuses: readonly NodeStatusInput[]): Promise<void> {
  if (statuses.length === 0) return;
  const rows = statuses.map((s) => ({
    node_id: s.nodeId,
    hostname: s.hostname,
    labels: JSON.stringify(s.labels),
    build_version: s.buildVersion,
    protocol_version: s.protocolVersion,
    stream_id: s.streamId,
    replica_id: replicaId,
    compatible: s.compatible,
    incompatibility: s.incompatibility,
    connected: s.connected,
    connected_at: s.connectedAt,
    last_seen_at: s.connected ? sql<Date>`now()` : s.lastSeenAt,
    acked_version: s.ackedVersion,
    acked_generation: s.ackedGeneration,
    acked_at: s.ackedAt,
    last_nack: s.lastNack ? JSON.stringify({ ...s.lastNack, at: s.lastNack.at.toISOString() }) : null,
  }));
  await db.kysely
    .insertInto("data_plane_nodes")
    .values(rows)
    .onConflict((oc) =>
      oc
        .column("node_id")
        .doUpdateSet((eb) => ({
          hostname: eb.ref("excluded.hostname"),
          labels: eb.ref("excluded.labels"),
          build_version: eb.ref("excluded.build_version"),
          protocol_version: eb.ref("excluded.protocol_version"),
          stream_id: eb.ref("excluded.stream_id"),
          replica_id: eb.ref("excluded.replica_id"),
          compatible: eb.ref("excluded.compatible"),
          incompatibility: eb.ref("excluded.incompatibility"),
          connected: eb.ref("excluded.connected"),
          connected_at: eb.ref("excluded.connected_at"),
          last_seen_at: eb.ref("excluded.last_seen_at"),
          acked_version: eb.ref("excluded.acked_version"),
          acked_generation: eb.ref("excluded.acked_generation"),
          acked_at: eb.ref("excluded.acked_at"),
          last_nack: eb.ref("excluded.last_nack"),
          updated_at: sql<Date>`now()`,
        }))
        .where((eb) =>
          eb.or([
            eb("data_plane_nodes.stream_id", "=", eb.ref("excluded.stream_id")),
            eb("data_plane_nodes.connected_at", "<=", eb.ref("excluded.connected_at")),
          ]),
        ),
    )
    .execute();
}

/**
 * Every node any replica reported, sorted by id. A node counts as connected only while its replica keeps
 * stamping it: a replica that died (kill -9) cannot mark its nodes disconnected, so rows not seen within
 * `staleAfterMs` are shown disconnected.
 */
export async function listNodeStatuses(db: Db, opts: { staleAfterMs: number }): Promise<NodeStatusRecord[]> {
  const rows = await db.kysely
    .selectFrom("data_plane_nodes")
    .selectAll()
    .select(sql<boolean>`last_seen_at > now() - make_interval(secs => ${opts.staleAfterMs / 1000})`.as("live"))
    .orderBy("node_id")
    .execute();
  return rows.map((r) => toNodeStatusRecord(r, r.live));
}

/** Forgets nodes not seen for `olderThanMs`; pods come and go with fresh ids. Returns how many went. */
export async function pruneNodeStatuses(db: Db, olderThanMs: number): Promise<number> {
  const res = await db.kysely
    .deleteFrom("data_plane_nodes")
    .where(sql<boolean>`last_seen_at < now() - make_interval(secs => ${olderThanMs / 1000})`)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
