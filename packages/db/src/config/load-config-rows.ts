import type { ApiKeySpec } from "@switchyard/policy";
import { sql } from "kysely";
import { type ConsumerRecord, toConsumerRecord } from "../consumers/consumer-record.ts";
import type { Db } from "../create-db.ts";
import { type LimitRecord, toLimitRecord } from "../limits/limit-record.ts";
import { type ProviderWithSecret, toProviderWithSecret } from "../providers/provider-record.ts";
import { type RouteRecord, toRouteRecord } from "../routes/route-record.ts";

/** Everything a snapshot is built from, and the generation that state corresponds to. */
export interface ConfigRows {
  readonly generation: bigint;
  readonly providers: ProviderWithSecret[];
  readonly routes: RouteRecord[];
  readonly consumers: ConsumerRecord[];
  /** Active keys only: a revoked key must not reach any data plane. */
  readonly apiKeys: ApiKeySpec[];
  readonly limits: LimitRecord[];
}

/**
 * Reads the whole configuration in one read-only REPEATABLE READ transaction, so every table and the
 * generation come from the same moment: a write that commits meanwhile is either entirely in the result
 * (and counted in `generation`) or entirely out. Writers commit their change rows in generation order
 * (see config-changes.ts), so no earlier change can appear later. On PGlite, with its single connection,
 * every transaction is serial anyway. Rows come in id order.
 */
export async function loadConfigRows(db: Db): Promise<ConfigRows> {
  return db.kysely
    .transaction()
    .setIsolationLevel("repeatable read")
    .setAccessMode("read only")
    .execute(async (trx) => {
      const gen = await trx
        .selectFrom("config_changes")
        .select(sql<bigint>`coalesce(max(generation), 0)`.as("generation"))
        .executeTakeFirstOrThrow();
      const providers = await trx.selectFrom("providers").selectAll().orderBy("id").execute();
      const routes = await trx.selectFrom("routes").selectAll().orderBy("id").execute();
      const consumers = await trx.selectFrom("consumers").selectAll().orderBy("id").execute();
      const apiKeys = await trx
        .selectFrom("api_keys")
        .select(["id", "consumer_id", "hash"])
        .where("revoked_at", "is", null)
        .orderBy("id")
        .execute();
      const limits = await trx.selectFrom("limits").selectAll().orderBy("id").execute();
      return {
        generation: BigInt(gen.generation),
        providers: providers.map(toProviderWithSecret),
        routes: routes.map(toRouteRecord),
        consumers: consumers.map(toConsumerRecord),
        apiKeys: apiKeys.map((k) => ({ id: k.id, consumerId: k.consumer_id, hash: k.hash })),
        limits: limits.map(toLimitRecord),
      };
    });
}
