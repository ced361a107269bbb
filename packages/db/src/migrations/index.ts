import type { Migration, MigrationProvider } from "kysely/migration";
import * as createConfigTables from "./20251122-0310-create-config-tables.ts";
import * as fleetStatusAndChangeNotify from "./20261122-0400-fleet-status-and-change-notify.ts";
import * as snapshotHistory from "./20261122-0500-snapshot-history.ts";
import * as historyPolicyStates from "./20261122-0600-history-policy-states.ts";
import * as providerApiVersionRouteStrict from "./20261122-0700-provider-api-version-route-strict.ts";
import * as usageRecords from "./20261207-0700-usage-records.ts";
import * as providerAllowInternal from "./20261207-0800-provider-allow-internal.ts";
import * as limitsGroupsPrices from "./20261207-0900-limits-groups-prices.ts";

/**
 * Every migration this build knows, by name. Names start with a UTC timestamp so they sort in the order
 * they were written. Listed in code rather than found by scanning a folder, so the set is fixed at build
 * time and works the same wherever the package is run from.
 *
 * Rule for adding one: migrations only ever expand the schema (new tables, new nullable or defaulted
 * columns, new indexes). They never drop, rename or narrow anything, so a control plane one release older
 * keeps working against the migrated schema while old and new run side by side during a rollout. Removing
 * something takes two releases: stop using it first, drop it in a later release once no old process is left.
 * There are no `down` migrations for the same reason: going back means deploying the old code, which
 * already copes with the newer schema.
 */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  "20251122_0310_create_config_tables": createConfigTables,
  "20261122_0400_fleet_status_and_change_notify": fleetStatusAndChangeNotify,
  "20261122_0500_snapshot_history": snapshotHistory,
  "20261122_0600_history_policy_states": historyPolicyStates,
  "20261122_0700_provider_api_version_route_strict": providerApiVersionRouteStrict,
  "20261207_0700_usage_records": usageRecords,
  "20261207_0800_provider_allow_internal": providerAllowInternal,
  "20261207_0900_limits_groups_prices": limitsGroupsPrices,
});

/** Hands the in-code migration list to Kysely's `Migrator`. */
export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return { ...migrations };
  },
};
