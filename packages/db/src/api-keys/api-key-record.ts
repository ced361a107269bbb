import type { Selectable } from "kysely";
import type { ApiKeysTable } from "../database.ts";

/** An API key as the admin API shows it. The hash never appears here; only the snapshot loader reads it. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly consumerId: string;
  readonly name: string | null;
  /** The first characters of the key, so an operator can recognise it without the secret. */
  readonly prefix: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/** Input of `apiKeys.createKey`: the control plane generates the key, shows it once and stores its hash. */
export interface ApiKeyInput {
  readonly consumerId: string;
  readonly name?: string | null;
  readonly prefix: string;
  /** Lowercase hex SHA-256 of the full key text. */
  readonly hash: string;
}

/** Maps a row to an API key record, leaving the hash behind. */
export function toApiKeyRecord(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    consumerId: row.consumer_id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
