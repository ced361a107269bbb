import type { Result } from "@switchyard/errors";
import { expect } from "vitest";
import { type ChangeOp, currentGeneration, type Db, type DbError, type EntityKind } from "../index.ts";

/** The change rows written after `after`, oldest first, read straight from the table. */
export async function changesSince(db: Db, after: bigint) {
  return db.kysely
    .selectFrom("config_changes")
    .select(["generation", "entity_kind", "entity_id", "op"])
    .where("generation", ">", after)
    .orderBy("generation")
    .execute();
}

/**
 * Asserts that a write since `before` appended exactly one change row, naming this entity and operation,
 * and that its generation is the one the write returned and now the current one.
 */
export async function expectOneChange(
  db: Db,
  before: bigint,
  generation: bigint,
  kind: EntityKind,
  id: string,
  op: ChangeOp,
): Promise<void> {
  const rows = await changesSince(db, before);
  expect(rows).toEqual([{ generation, entity_kind: kind, entity_id: id, op }]);
  expect(generation).toBeGreaterThan(before);
  expect(await currentGeneration(db)).toBe(generation);
}

/** Asserts a failed write left no change row behind. */
export async function expectNoChange(db: Db, before: bigint): Promise<void> {
  expect(await changesSince(db, before)).toEqual([]);
  expect(await currentGeneration(db)).toBe(before);
}

/** Unwraps a successful Result, failing the test with the error otherwise. */
export function unwrap<T>(result: Result<T, DbError>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.kind}: ${result.error.message}`);
  return result.value;
}

/** Unwraps a failed Result, failing the test if the write succeeded. */
export function failure<T>(result: Result<T, DbError>): DbError {
  if (result.ok) throw new Error("expected an error, got ok");
  return result.error;
}

/** Opens a fresh, migrated, empty store for one suite. */
export type FreshDb = () => Promise<Db>;
