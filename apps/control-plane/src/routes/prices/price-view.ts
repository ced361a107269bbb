import type { PriceRecord } from "@switchyard/db";

/** The price as the admin API shows it: USD per million tokens. */
export function priceView(r: PriceRecord) {
  return {
    id: r.id,
    model: r.model,
    inputPerMTok: r.inputPerMTok,
    outputPerMTok: r.outputPerMTok,
    cachedInputPerMTok: r.cachedInputPerMTok,
    revision: r.revision,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
