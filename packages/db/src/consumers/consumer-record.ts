import type { Selectable } from "kysely";
import type { ConsumersTable } from "../database.ts";

/** Free-form labels an operator attaches to a consumer. */
export type ConsumerMetadata = Record<string, string | number | boolean>;

/** A caller of the gateway. */
export interface ConsumerRecord {
  readonly id: string;
  readonly name: string;
  readonly metadata: ConsumerMetadata;
  readonly enabled: boolean;
  /** The consumer group it belongs to, or null. */
  readonly groupId: string | null;
  readonly revision: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Input of `consumers.create`; metadata defaults to `{}`, enabled to true, groupId to null. */
export interface ConsumerInput {
  readonly name: string;
  readonly metadata?: ConsumerMetadata;
  readonly enabled?: boolean;
  /** A group naming none is a `reference` error on `groupId`; null leaves the consumer in no group. */
  readonly groupId?: string | null;
}

/** Input of `consumers.update`: absent fields stay as they are; metadata is replaced, not merged. */
export type ConsumerPatch = Partial<ConsumerInput>;

/** Maps a row to a consumer record. */
export function toConsumerRecord(row: Selectable<ConsumersTable>): ConsumerRecord {
  return {
    id: row.id,
    name: row.name,
    metadata: row.metadata,
    enabled: row.enabled,
    groupId: row.group_id,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
