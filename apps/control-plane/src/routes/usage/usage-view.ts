import type { UsageSums } from "@switchyard/db";

/** Micro-USD as an exact decimal string of USD ("1.234567"), so large sums lose no digit to floating point. */
export function microUsdToUsd(micro: number): string {
  const sign = micro < 0 ? "-" : "";
  const abs = Math.abs(micro);
  return `${sign}${Math.floor(abs / 1_000_000)}.${String(abs % 1_000_000).padStart(6, "0")}`;
}

/** Sums as the admin API answers them: cost both as a USD decimal and in micro-USD. */
export function sumsView(s: UsageSums) {
  return {
    requests: s.requests,
    inputTokens: s.inputTokens,
    outputTokens: s.outputTokens,
    cachedTokens: s.cachedTokens,
    reasoningTokens: s.reasoningTokens,
    costUsd: microUsdToUsd(s.costMicroUsd),
    costMicroUsd: s.costMicroUsd,
    unpricedRequests: s.unpricedRequests,
  };
}
