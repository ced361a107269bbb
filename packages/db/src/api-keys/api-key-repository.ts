import { err, ok, type Result } from "@switchyard/errors";
import { sql } from "kysely";
import { appendChange } from "../config-changes.ts";
import type { Db } from "../create-db.ts";
import { type DbError, isUuid } from "../db-error.ts";
import { runWrite } from "../run-write.ts";
import { type ApiKeyInput, type ApiKeyRecord, toApiKeyRecord } from "./api-key-record.ts";

/** An API key write's outcome: the record as stored and the generation its change row got. */
export type ApiKeyWrite = { record: ApiKeyRecord; generation: bigint };

const consumerNotFound: DbError = { kind: "not_found", message: "consumer not found" };
const keyNotFound: DbError = { kind: "not_found", message: "api key not found" };

/**
 * Stores a new key for a consumer. The consumer comes from the URL path, so a missing one is `not_found`
 * (not `reference`); it is locked FOR SHARE so a concurrent consumer delete waits for this insert. A hash
 * that already exists is a `conflict` on `hash`.
 */
export async function createKey(db: Db, input: ApiKeyInput): Promise<Result<ApiKeyWrite, DbError>> {
  if (!isUuid(input.consumerId)) return err(consumerNotFound);
  return runWrite(db, "create", async (trx) => {
    const { rows } = await sql`select 1 from consumers where id = ${input.consumerId} for share`.execute(trx);
    if (rows.length === 0) return err(consumerNotFound);
    const row = await trx
      .insertInto("api_keys")
      .values({ consumer_id: input.consumerId, name: input.name ?? null, prefix: input.prefix, hash: input.hash })
      .returningAll()
      .executeTakeFirstOrThrow();
    const generation = await appendChange(trx, "api_key", row.id, "create");
    return ok({ record: toApiKeyRecord(row), generation });
  });
}

/**
 * A consumer's keys, revoked ones included, oldest first; null when the consumer does not exist, so the
 * caller can answer 404 rather than an empty list.
 */
export async function listKeys(db: Db, consumerId: string): Promise<ApiKeyRecord[] | null> {
  if (!isUuid(consumerId)) return null;
  const consumer = await db.kysely.selectFrom("consumers").select("id").where("id", "=", consumerId).executeTakeFirst();
  if (!consumer) return null;
  const rows = await db.kysely
    .selectFrom("api_keys")
    .selectAll()
    .where("consumer_id", "=", consumerId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toApiKeyRecord);
}

/**
 * Revokes a key: it stays listed with `revokedAt` set, and leaves the next snapshot. A key of another
 * consumer is `not_found`; revoking twice is a `conflict`, so the second call writes no change row.
 */
export async function revokeKey(db: Db, consumerId: string, keyId: string): Promise<Result<ApiKeyWrite, DbError>> {
  if (!isUuid(consumerId) || !isUuid(keyId)) return err(keyNotFound);
  return runWrite(db, "update", async (trx) => {
    const { rows } = await sql<{ revoked_at: Date | null }>`
      select revoked_at from api_keys where id = ${keyId} and consumer_id = ${consumerId} for update`.execute(trx);
    const current = rows[0];
    if (!current) return err(keyNotFound);
    if (current.revoked_at !== null) {
      return err({ kind: "conflict", message: "api key is already revoked", field: "revokedAt" });
    }
    const row = await trx
      .updateTable("api_keys")
      .set({ revoked_at: sql<Date>`now()` })
      .where("id", "=", keyId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const generation = await appendChange(trx, "api_key", keyId, "update");
    return ok({ record: toApiKeyRecord(row), generation });
  });
}
