import type { NodeStatusRecord } from "@switchyard/db";
import type { Logger } from "@switchyard/telemetry";

/** Options of {@link startFleetSizeSync}. */
export interface FleetSizeSyncOptions {
  /** Every node any replica reported, overlaid with this replica's own (see fleet-view.ts). */
  fleet(): Promise<NodeStatusRecord[]>;
  /** Hands the count to the config server, which tells the nodes when it changes. */
  setFleetSize(size: number): void;
  intervalMs: number;
  logger: Logger;
}

/** The running sync. */
export interface FleetSizeSync {
  /** Counts once now; resolves when the count is handed over. */
  refresh(): Promise<void>;
  stop(): void;
}

/**
 * Keeps the config server's fleet size at the number of data-plane nodes connected to ANY control-plane
 * replica, so a `local` failure policy splits a limit across the whole fleet, not only the nodes of one
 * replica. Counted from the node-status table every interval (replicas write it in batches); the config
 * server takes the larger of this and its own live count, so a node that just connected here counts at once.
 */
export function startFleetSizeSync(opts: FleetSizeSyncOptions): FleetSizeSync {
  let last = -1;
  const refresh = async (): Promise<void> => {
    try {
      const size = (await opts.fleet()).filter((n) => n.connected).length;
      if (size !== last) opts.logger.info({ fleetSize: size }, "data plane fleet size changed");
      last = size;
      opts.setFleetSize(size);
    } catch (e) {
      opts.logger.warn({ err: { message: (e as Error).message } }, "counting the fleet failed");
    }
  };
  const timer = setInterval(() => void refresh(), opts.intervalMs);
  timer.unref();
  return { refresh, stop: () => clearInterval(timer) };
}
