/**
 * The data plane's side of the config stream. Speaks domain types only: snapshots from @switchyard/policy
 * are handed to `apply`, and its Result decides Ack or Nack.
 */
export type { ApplyError } from "../codec/index.ts";
export type { SyncLogger } from "../logger.ts";
export { DEFAULT_KEEPALIVE, type KeepaliveOptions } from "./config-stream.ts";
export { type ConfigWatcher, createConfigWatcher } from "./config-watcher.ts";
export type { ClientTlsOptions } from "./target.ts";
export type {
  ApplyReport,
  ConfigWatcherOptions,
  SnapshotSource,
  WatcherState,
} from "./watcher-options.ts";
