import type { ChangeOp } from "./database.ts";

/** An expected failure of a write, in words the admin API can pass on. */
export interface DbError {
  readonly kind: "not_found" | "conflict" | "revision_mismatch" | "reference";
  readonly message: string;
  /** The input field the failure is about, in the domain's camelCase, when there is one. */
  readonly field?: string;
}

/** Unique constraints (named in the migrations) and the field each one guards. */
const UNIQUE_FIELDS: Readonly<Record<string, { field: string; entity: string }>> = {
  providers_name_key: { field: "name", entity: "provider" },
  routes_alias_key: { field: "alias", entity: "route" },
  consumers_name_key: { field: "name", entity: "consumer" },
  consumer_groups_name_key: { field: "name", entity: "group" },
  prices_model_key: { field: "model", entity: "price" },
  api_keys_hash_key: { field: "hash", entity: "api key" },
};

/** Foreign keys, the referencing field, and what to say when the reference is missing or still in use. */
const FOREIGN_KEYS: Readonly<Record<string, { field: string; missing: string; inUse: string }>> = {
  routes_provider_id_fkey: {
    field: "providerId",
    missing: "provider does not exist",
    inUse: "provider is used by one or more routes",
  },
  consumers_group_id_fkey: {
    field: "groupId",
    missing: "group does not exist",
    inUse: "group still has consumers",
  },
  api_keys_consumer_id_fkey: {
    field: "consumerId",
    missing: "consumer does not exist",
    inUse: "consumer still has api keys",
  },
};

interface PgErrorFields {
  code?: unknown;
  constraint?: unknown;
}

/**
 * Turns a constraint violation raised by PostgreSQL or PGlite (both report the SQLSTATE `code` and the
 * `constraint` name) into a {@link DbError}; returns null for anything else, which the caller rethrows.
 * `op` tells a foreign-key failure apart: on delete it means "still referenced", otherwise "missing".
 * Messages are written here rather than copied from the server, so no SQL or values leak out.
 */
export function toDbError(error: unknown, op: ChangeOp): DbError | null {
  if (typeof error !== "object" || error === null) return null;
  const { code, constraint } = error as PgErrorFields;
  if (typeof constraint !== "string") return null;
  if (code === "23505") {
    const unique = UNIQUE_FIELDS[constraint];
    if (unique)
      return { kind: "conflict", message: `a ${unique.entity} with this ${unique.field} exists`, field: unique.field };
    return { kind: "conflict", message: "the record conflicts with an existing one" };
  }
  // 23503 is foreign_key_violation; 23001 (restrict_violation) is what ON DELETE RESTRICT raises.
  if (code === "23503" || code === "23001") {
    const fk = FOREIGN_KEYS[constraint];
    if (op === "delete") return { kind: "reference", message: fk?.inUse ?? "the record is still referenced" };
    return {
      kind: "reference",
      message: fk?.missing ?? "a referenced record does not exist",
      ...(fk && { field: fk.field }),
    };
  }
  return null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether a string is a UUID. Ids arrive from URL paths unchecked; a malformed one is simply not found,
 * instead of reaching PostgreSQL and failing the uuid cast.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
