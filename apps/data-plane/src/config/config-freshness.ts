import type { ApplyReport, WatcherState } from "@switchyard/config-sync/client";

/** How current the node's configuration is, as far as the node can tell. */
export interface ConfigFreshness {
  /** Feeds the watcher's connection state. */
  onState(state: WatcherState): void;
  /** Feeds an apply attempt; `savedAtMs` is the file's write time for a snapshot loaded from disk. */
  onApply(report: ApplyReport, savedAtMs?: number): void;
  /** Whether the config stream is open now. */
  connected(): boolean;
  /**
   * Milliseconds since the node last knew it served the control plane's current snapshot: 0 while the
   * stream is open and the latest push was applied; null before anything was applied.
   */
  ageMs(): number | null;
}

/**
 * Tracks config age. An open stream means the node is current, because the control plane pushes every new
 * version to connected nodes at once; the age grows from the moment the stream closed, or from the last
 * applied push when the node rejected a newer one. A snapshot loaded from disk is as old as its file.
 */
export function createConfigFreshness(now: () => number = Date.now): ConfigFreshness {
  let open = false;
  /** The latest push was refused, so the node is behind even while connected. */
  let behind = false;
  let syncedAt: number | null = null;
  return {
    onState(state) {
      const wasCurrent = open && !behind && syncedAt !== null;
      open = state === "connected";
      if (!open && wasCurrent) syncedAt = now();
    },
    onApply(report, savedAtMs) {
      if (report.source === "disk") {
        if (report.result === "ack") syncedAt = savedAtMs ?? now();
        return;
      }
      behind = report.result === "nack";
      if (!behind) syncedAt = now();
    },
    connected: () => open,
    ageMs() {
      if (syncedAt === null) return null;
      return open && !behind ? 0 : Math.max(0, now() - syncedAt);
    },
  };
}
