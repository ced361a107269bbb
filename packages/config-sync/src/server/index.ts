/**
 * The control plane's side of the config stream. Speaks domain types only: snapshots from @switchyard/policy
 * in, node status out.
 */
export type { ApplyError } from "../codec/index.ts";
export type { SyncLogger } from "../logger.ts";
export {
  type ConfigServer,
  type ConfigServerEvents,
  type ConfigServerOptions,
  createConfigServer,
} from "./config-server.ts";
export type { NodeStatus } from "./node-registry.ts";
export type { ServerTlsOptions } from "./server-credentials.ts";
