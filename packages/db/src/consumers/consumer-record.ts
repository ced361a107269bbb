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
  readonly revision: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Input of `consumers.create`; metadata defaults to `{}` and enabled to true. */
export interface ConsumerInput {
  readonly name: string;
  readonly metadata?: ConsumerMetadata;
  readonly enabled?: boolean;
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
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
