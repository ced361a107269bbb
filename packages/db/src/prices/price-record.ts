import type { Selectable } from "kysely";
import type { PricesTable } from "../database.ts";

/** The price of one upstream model, in USD per million tokens. */
export interface PriceRecord {
  readonly id: string;
  /** The upstream model name as sent to the provider; unique in the catalog. */
  readonly model: string;
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
  /** Null means the input price. */
  readonly cachedInputPerMTok: number | null;
  readonly revision: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Input of `prices.create`. Values have at most six decimals (numeric(14,6)); more are rounded. */
export interface PriceInput {
  readonly model: string;
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
  readonly cachedInputPerMTok?: number | null;
}

/** Input of `prices.update`: the model is fixed (a different model is a different price); absent fields stay. */
export type PricePatch = Partial<Omit<PriceInput, "model">>;

/** Maps a row to a price record; numeric text becomes the nearest double. */
export function toPriceRecord(row: Selectable<PricesTable>): PriceRecord {
  return {
    id: row.id,
    model: row.model,
    inputPerMTok: Number(row.input_per_mtok),
    outputPerMTok: Number(row.output_per_mtok),
    cachedInputPerMTok: row.cached_input_per_mtok === null ? null : Number(row.cached_input_per_mtok),
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
