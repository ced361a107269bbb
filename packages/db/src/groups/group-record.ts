import type { Selectable } from "kysely";
import type { ConsumerGroupsTable } from "../database.ts";

/** A consumer group (team): limits of scope `consumer_group` are shared by its members. */
export interface GroupRecord {
  readonly id: string;
  readonly name: string;
  readonly revision: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Input of `groups.create`. */
export interface GroupInput {
  readonly name: string;
}

/** Input of `groups.update`: absent fields stay as they are. */
export type GroupPatch = Partial<GroupInput>;

/** Maps a row to a group record. */
export function toGroupRecord(row: Selectable<ConsumerGroupsTable>): GroupRecord {
  return { id: row.id, name: row.name, revision: row.revision, createdAt: row.created_at, updatedAt: row.updated_at };
}
