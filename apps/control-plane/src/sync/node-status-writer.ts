import type { NodeStatus } from "@switchyard/config-sync/server";
import { type Db, nodeStatuses } from "@switchyard/db";
import type { Logger } from "@switchyard/telemetry";

/** Options of {@link startNodeStatusWriter}. */
export interface NodeStatusWriterOptions {
  db: Db;
  replicaId: string;
  /** This replica's view of its own streams. */
  nodes(): NodeStatus[];
  intervalMs: number;
  logger: Logger;
  /** Rows not seen for this long are deleted (pods come and go with fresh ids); default 7 days. */
  forgetAfterMs?: number;
}

/** The running writer. */
export interface NodeStatusWriter {
  /** Writes what changed now; used at shutdown so the last word (disconnected) reaches the database. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** Prune at most this often; the delete is cheap but has no reason to run every few seconds. */
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Copies this replica's node statuses to PostgreSQL in one batch per interval, so every replica's fleet view
 * shows every node. Each batch holds the connected nodes (their row's last-seen stamp is the heartbeat that
 * keeps them listed as connected) and any disconnected node whose status changed since the last batch.
 */
export function startNodeStatusWriter(opts: NodeStatusWriterOptions): NodeStatusWriter {
  const written = new Map<string, NodeStatus>();
  let lastPrune = Date.now();
  let inFlight: Promise<void> | null = null;

  const writeOnce = async (): Promise<void> => {
    const all = opts.nodes();
    // A disconnected status is the same frozen object until it changes, so identity tells what is new.
    const batch = all.filter((n) => n.connected || written.get(n.nodeId) !== n);
    try {
      await nodeStatuses.saveNodeStatuses(opts.db, opts.replicaId, batch);
      for (const n of batch) written.set(n.nodeId, n);
      if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
        lastPrune = Date.now();
        await nodeStatuses.pruneNodeStatuses(opts.db, opts.forgetAfterMs ?? 7 * 86_400_000);
      }
    } catch (e) {
      opts.logger.warn({ err: { message: (e as Error).message }, nodes: batch.length }, "writing node status failed");
    }
  };

  const flush = (): Promise<void> => {
    inFlight ??= writeOnce().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  const timer = setInterval(() => void flush(), opts.intervalMs);
  timer.unref();
  return {
    flush: async () => {
      await inFlight;
      await flush();
    },
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
