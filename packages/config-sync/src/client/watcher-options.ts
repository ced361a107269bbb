import type { Result } from "@switchyard/errors";
import type { VersionedSnapshot } from "@switchyard/policy";
import type { ApplyError } from "../codec/index.ts";
import type { SyncLogger } from "../logger.ts";
import type { KeepaliveOptions } from "./config-stream.ts";
import type { ClientTlsOptions } from "./target.ts";

/** Connection state reported to {@link ConfigWatcherOptions.onStateChange}. */
export type WatcherState = "connecting" | "connected" | "disconnected";

/** Where an applied or rejected snapshot came from. */
export type SnapshotSource = "stream" | "disk";

/** One apply attempt, reported to {@link ConfigWatcherOptions.onApplyResult} for metrics and persistence. */
export interface ApplyReport {
  readonly result: "ack" | "nack";
  readonly source: SnapshotSource;
  readonly version: string;
  /** The snapshot itself when it was applied; absent for a rejected one. */
  readonly snapshot?: VersionedSnapshot;
  /** Time spent in `apply` (compile and swap), in milliseconds; 0 when apply was not reached. */
  readonly durationMs: number;
  /** Time spent decoding and verifying the message (delta merge, version hash, consistency), in milliseconds. */
  readonly decodeMs?: number;
}

/** Options of `createConfigWatcher`. */
export interface ConfigWatcherOptions {
  /** The control plane's config stream: `https://host:port` (TLS), or `host:port` / `http://host:port`. */
  url: string;
  /** TLS files for an `https://` URL (CA, client certificate for mutual TLS, server name). */
  tls?: ClientTlsOptions;
  /** Bearer token the control plane accepts from data planes. */
  nodeToken: string;
  nodeId: string;
  hostname: string;
  labels: Record<string, string>;
  buildVersion: string;
  /**
   * Compiles and swaps in a snapshot. An error keeps the node on what it served before and is reported to the
   * control plane; a throw is treated the same way.
   */
  apply(s: VersionedSnapshot): Result<void, ApplyError> | Promise<Result<void, ApplyError>>;
  logger: SyncLogger;
  /** HTTP/2 keepalive of the stream (default: ping every 10 s, gone after 5 s without an answer). */
  keepalive?: KeepaliveOptions;
  /** Reconnect delays: full jitter between 0 and `initialMs * 2^n`, capped at `maxMs`. */
  backoff?: { initialMs?: number; maxMs?: number };
  /**
   * The last-known-good snapshot, used only while nothing is applied yet: once the first stream attempt ends
   * without a snapshot, or `waitMs` passes, `load()` is asked for it and its answer applied like a push.
   * `load` reports its own problems and answers null when there is nothing usable.
   */
  fallback?: { load(): Promise<VersionedSnapshot | null>; waitMs: number };
  onStateChange?(state: WatcherState): void;
  /**
   * Told when the fleet size the control plane reports changes (at least 1), whether or not a snapshot
   * changed with it; the data plane recomputes its `local` shares of limits. See `ConfigWatcher.fleetSize()`.
   */
  onFleetSize?(size: number): void;
  /** Told about every apply attempt, after the new configuration is live (or was refused). */
  onApplyResult?(report: ApplyReport): void;
}
