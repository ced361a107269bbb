import type { Amounts } from "./engine-types.ts";
import { KIND_CODE } from "./windows.ts";

/** Amounts as the engine counts them: integers, never negative (costs round up to the next micro-dollar). */
export function normalizeAmounts(a: Amounts): Amounts {
  const n = (x: number) => (x > 0 && Number.isFinite(x) ? Math.ceil(x) : 0);
  return { inputTokens: n(a.inputTokens), outputTokens: n(a.outputTokens), costMicroUsd: n(a.costMicroUsd) };
}

/** What a request adds to a counter of the given kind: 1 for requests and concurrency, else its tokens or cost. */
export function usageOf(kindCode: number, a: Amounts): number {
  switch (kindCode) {
    case KIND_CODE.input_tokens:
      return a.inputTokens;
    case KIND_CODE.output_tokens:
      return a.outputTokens;
    case KIND_CODE.total_tokens:
      return a.inputTokens + a.outputTokens;
    case KIND_CODE.cost_usd:
      return a.costMicroUsd;
    default:
      return 1;
  }
}

/** True for the counters settle and checkpoint adjust (tokens and cost), false for requests and concurrency. */
export function isMetered(kindCode: number): boolean {
  return kindCode >= KIND_CODE.input_tokens && kindCode <= KIND_CODE.cost_usd;
}

/** Mutable running totals of a stream's usage. */
export interface Tally {
  inputTokens: number;
  outputTokens: number;
  costMicroUsd: number;
}

/** Adds `a` (normalised) into `t`. */
export function addInto(t: Tally, a: Amounts): void {
  const n = normalizeAmounts(a);
  t.inputTokens += n.inputTokens;
  t.outputTokens += n.outputTokens;
  t.costMicroUsd += n.costMicroUsd;
}
