import type { ApiKeySpec } from "@switchyard/policy";
import type { Transaction } from "kysely";
import { type ConsumerRecord, toConsumerRecord } from "../consumers/consumer-record.ts";
import type { Database, EntityKind } from "../database.ts";
import { type GroupRecord, toGroupRecord } from "../groups/group-record.ts";
import { type LimitRecord, toLimitRecord } from "../limits/limit-record.ts";
import { type PriceRecord, toPriceRecord } from "../prices/price-record.ts";
import { type ProviderWithSecret, toProviderWithSecret } from "../providers/provider-record.ts";
import { type RouteRecord, toRouteRecord } from "../routes/route-record.ts";

type Trx = Transaction<Database>;

/** The rows of each part of the configuration, by part name. */
export interface ConfigPartRows {
  providers: ProviderWithSecret[];
  routes: RouteRecord[];
  consumers: ConsumerRecord[];
  groups: GroupRecord[];
  /** Active keys only: a revoked key must not reach any data plane. */
  apiKeys: ApiKeySpec[];
  limits: LimitRecord[];
  prices: PriceRecord[];
}

/** The name of one part. */
export type ConfigPartName = keyof ConfigPartRows;

/** Rows of another part that belong to a row of this one and are deleted with it (no change row of their own). */
export interface DependentPart {
  readonly part: ConfigPartName;
  /** The field of the dependent entity (domain name) that holds the owner's id. */
  readonly ownerField: string;
  /** The dependent rows of the given owners. */
  byOwners(trx: Trx, ownerIds: readonly string[]): Promise<{ id: string }[]>;
}

/** How one part of the configuration is read: whole, or the rows of some ids; and which change-log kind it is. */
export interface ConfigPart {
  readonly part: ConfigPartName;
  /** The `entity_kind` of its change rows. */
  readonly kind: EntityKind;
  all(trx: Trx): Promise<{ id: string }[]>;
  /** The rows of these ids that belong in a snapshot; an id without a row here was removed (or revoked). */
  byIds(trx: Trx, ids: readonly string[]): Promise<{ id: string }[]>;
  readonly dependents?: readonly DependentPart[];
}

/** The limits scoped to some entities of one scope: they are deleted with their route, provider or consumer. */
const scopedLimits = (scope: "consumer" | "route" | "provider"): DependentPart => ({
  part: "limits",
  ownerField: "scopeId",
  byOwners: async (trx, ids) =>
    (await trx.selectFrom("limits").selectAll().where("scope", "=", scope).where("scope_id", "in", ids).execute()).map(
      toLimitRecord,
    ),
});

const activeKeys = (trx: Trx) =>
  trx.selectFrom("api_keys").select(["id", "consumer_id", "hash"]).where("revoked_at", "is", null);
const toKey = (k: { id: string; consumer_id: string; hash: string }): ApiKeySpec => ({
  id: k.id,
  consumerId: k.consumer_id,
  hash: k.hash,
});

/**
 * Every part of the configuration, in one table: the full load and the incremental load (loadConfigChanges)
 * both iterate it, so a new entity kind is one entry here (and one in config-sync's SNAPSHOT_PARTS).
 */
export const CONFIG_PARTS: readonly ConfigPart[] = [
  {
    part: "providers",
    kind: "provider",
    all: async (trx) =>
      (await trx.selectFrom("providers").selectAll().orderBy("id").execute()).map(toProviderWithSecret),
    byIds: async (trx, ids) =>
      (await trx.selectFrom("providers").selectAll().where("id", "in", ids).execute()).map(toProviderWithSecret),
    dependents: [scopedLimits("provider")],
  },
  {
    part: "routes",
    kind: "route",
    all: async (trx) => (await trx.selectFrom("routes").selectAll().orderBy("id").execute()).map(toRouteRecord),
    byIds: async (trx, ids) =>
      (await trx.selectFrom("routes").selectAll().where("id", "in", ids).execute()).map(toRouteRecord),
    dependents: [scopedLimits("route")],
  },
  {
    part: "consumers",
    kind: "consumer",
    all: async (trx) => (await trx.selectFrom("consumers").selectAll().orderBy("id").execute()).map(toConsumerRecord),
    byIds: async (trx, ids) =>
      (await trx.selectFrom("consumers").selectAll().where("id", "in", ids).execute()).map(toConsumerRecord),
    // A consumer's delete takes its keys (foreign key cascade) and its limits (deleted in the same transaction).
    dependents: [
      {
        part: "apiKeys",
        ownerField: "consumerId",
        byOwners: async (trx, ids) => (await activeKeys(trx).where("consumer_id", "in", ids).execute()).map(toKey),
      },
      scopedLimits("consumer"),
    ],
  },
  {
    part: "apiKeys",
    kind: "api_key",
    all: async (trx) => (await activeKeys(trx).orderBy("id").execute()).map(toKey),
    byIds: async (trx, ids) => (await activeKeys(trx).where("id", "in", ids).execute()).map(toKey),
  },
  {
    part: "limits",
    kind: "limit",
    all: async (trx) => (await trx.selectFrom("limits").selectAll().orderBy("id").execute()).map(toLimitRecord),
    byIds: async (trx, ids) =>
      (await trx.selectFrom("limits").selectAll().where("id", "in", ids).execute()).map(toLimitRecord),
  },
  {
    // A group is never deleted with members or limits left (the delete is refused), so it has no dependents.
    part: "groups",
    kind: "group",
    all: async (trx) =>
      (await trx.selectFrom("consumer_groups").selectAll().orderBy("id").execute()).map(toGroupRecord),
    byIds: async (trx, ids) =>
      (await trx.selectFrom("consumer_groups").selectAll().where("id", "in", ids).execute()).map(toGroupRecord),
  },
  {
    part: "prices",
    kind: "price",
    all: async (trx) => (await trx.selectFrom("prices").selectAll().orderBy("id").execute()).map(toPriceRecord),
    byIds: async (trx, ids) =>
      (await trx.selectFrom("prices").selectAll().where("id", "in", ids).execute()).map(toPriceRecord),
  },
];
