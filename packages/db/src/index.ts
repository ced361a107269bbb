/**
 * @switchyard/db: the control plane's store. Repositories are plain functions grouped per resource
 * (`providers.create(db, ...)`); every write runs in one transaction that also appends its change row and
 * returns the new generation. Rows are mapped to domain records before they leave this package.
 */

export type { ApiKeyInput, ApiKeyRecord } from "./api-keys/api-key-record.ts";
export * as apiKeys from "./api-keys/api-key-repository.ts";
export { CONFIG_PARTS, type ConfigPartName, type ConfigPartRows } from "./config/config-parts.ts";
export { type ConfigChanges, loadConfigChanges, type TouchedOwners } from "./config/load-config-changes.ts";
export { type ConfigRows, loadConfigRows } from "./config/load-config-rows.ts";
export {
  type ChangeNotice,
  CONFIG_CHANGES_CHANNEL,
  currentGeneration,
  parseChangeNotice,
} from "./config-changes.ts";
export type { ConsumerInput, ConsumerMetadata, ConsumerPatch, ConsumerRecord } from "./consumers/consumer-record.ts";
export * as consumers from "./consumers/consumer-repository.ts";
export { createDb, type Db, type DbOptions } from "./create-db.ts";
export type { ChangeOp, Database, EntityKind } from "./database.ts";
export type { DbError } from "./db-error.ts";
export type { NodeNackRecord, NodeStatusInput, NodeStatusRecord } from "./fleet/node-status-record.ts";
export * as nodeStatuses from "./fleet/node-status-repository.ts";
export type { GroupInput, GroupPatch, GroupRecord } from "./groups/group-record.ts";
export * as groups from "./groups/group-repository.ts";
export { applyRollback } from "./history/apply-rollback.ts";
export {
  countsOf,
  type HistoryContent,
  type HistoryCounts,
  type HistoryLimit,
  type HistoryPolicy,
  type HistoryPrice,
  type HistoryProvider,
  type HistoryRoute,
  type HistorySource,
  historyContentOf,
  limitSpec,
  priceSpec,
  routeSpec,
} from "./history/history-content.ts";
export {
  diffEntities,
  type EntityChanges,
  isEmptyPlan,
  planRollback,
  type RollbackPlan,
} from "./history/rollback-plan.ts";
export type { FullHistoryEntry, HistoryEntry } from "./history/snapshot-history-repository.ts";
export * as snapshotHistory from "./history/snapshot-history-repository.ts";
export { type LimitInput, type LimitPatch, type LimitRecord, normalFailurePolicy } from "./limits/limit-record.ts";
export * as limits from "./limits/limit-repository.ts";
export type { ListenHandlers, Unlisten } from "./listen.ts";
export { isSchemaCurrent, migrateToLatest } from "./migrate.ts";
export { isValidCursor, MAX_PAGE_LIMIT, type Page, type PageRequest } from "./pagination.ts";
export { ping } from "./ping.ts";
export type { PriceInput, PricePatch, PriceRecord } from "./prices/price-record.ts";
export * as prices from "./prices/price-repository.ts";
export type {
  ProviderInput,
  ProviderPatch,
  ProviderRecord,
  ProviderWithSecret,
  SealedSecret,
} from "./providers/provider-record.ts";
export * as providers from "./providers/provider-repository.ts";
export type { RouteInput, RoutePatch, RouteRecord } from "./routes/route-record.ts";
export * as routes from "./routes/route-repository.ts";
export type { UsageInsertResult } from "./usage/usage-repository.ts";
export * as usage from "./usage/usage-repository.ts";
export type {
  UsageGroupBy,
  UsageQuery,
  UsageRecordInput,
  UsageReport,
  UsageSums,
} from "./usage/usage-types.ts";
