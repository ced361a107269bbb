import type { Db } from "../create-db.ts";
import { CONFIG_PARTS, type ConfigPartName, type ConfigPartRows } from "./config-parts.ts";
import { generationIn, inSnapshotTransaction } from "./load-config-rows.ts";

/** Ids of owners whose dependents (of `part`, naming the owner in `ownerField`) may have gone with them. */
export interface TouchedOwners {
  readonly part: ConfigPartName;
  readonly ownerField: string;
  readonly ownerIds: readonly string[];
}

/** What changed in the configuration after some generation, read as of one committed state. */
export interface ConfigChanges {
  /** The generation the rows are as of (the newest committed). */
  readonly generation: bigint;
  /** The current rows of every touched id that still belongs in a snapshot, by part. */
  readonly rows: Readonly<ConfigPartRows>;
  /** Every id a change row names, by part: those without a row in `rows` were removed (or revoked). */
  readonly touched: Readonly<Record<ConfigPartName, readonly string[]>>;
  /**
   * Owners that changed, for each dependent part: a dependent deleted with its owner has no change row, so the
   * caller also treats every entity it holds that names one of these owners as touched.
   */
  readonly owners: readonly TouchedOwners[];
}

const emptyParts = <T>(make: () => T) =>
  Object.fromEntries(CONFIG_PARTS.map((p) => [p.part, make()])) as unknown as Record<ConfigPartName, T>;

/**
 * Reads what changed after generation `since`: the change rows, then the current rows of the ids they name
 * (and of their dependents), all in one REPEATABLE READ transaction, so the result is exactly the difference
 * between the state at `since` and a whole committed state (change rows commit in generation order, see
 * config-changes.ts). Returns null when an incremental build is not the way: more than `maxChanges` change
 * rows, or a change of a kind this build has no part for (a newer writer); the caller then loads everything.
 */
export async function loadConfigChanges(db: Db, since: bigint, maxChanges: number): Promise<ConfigChanges | null> {
  return inSnapshotTransaction(db, async (trx) => {
    const generation = await generationIn(trx);
    const changes = await trx
      .selectFrom("config_changes")
      .select(["entity_kind", "entity_id"])
      .where("generation", ">", since)
      .where("generation", "<=", generation)
      .limit(maxChanges + 1)
      .execute();
    if (changes.length > maxChanges) return null;
    const idsByKind = new Map<string, Set<string>>();
    for (const c of changes) {
      const ids = idsByKind.get(c.entity_kind);
      if (ids) ids.add(c.entity_id);
      else idsByKind.set(c.entity_kind, new Set([c.entity_id]));
    }
    if ([...idsByKind.keys()].some((k) => !CONFIG_PARTS.some((p) => p.kind === k))) return null;
    const rows = emptyParts<{ id: string }[]>(() => []);
    const touched = emptyParts<string[]>(() => []);
    const owners: TouchedOwners[] = [];
    for (const p of CONFIG_PARTS) {
      const ids = [...(idsByKind.get(p.kind) ?? [])];
      if (ids.length === 0) continue;
      touched[p.part].push(...ids);
      rows[p.part].push(...(await p.byIds(trx, ids)));
      for (const d of p.dependents ?? []) {
        const found = await d.byOwners(trx, ids);
        rows[d.part].push(...found);
        touched[d.part].push(...found.map((r) => r.id));
        owners.push({ part: d.part, ownerField: d.ownerField, ownerIds: ids });
      }
    }
    return { generation, rows: rows as unknown as ConfigPartRows, touched, owners };
  });
}
