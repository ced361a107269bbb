import type { TokenUsage } from "@switchyard/providers";
import type { Amounts, Lease, Limiter } from "@switchyard/ratelimit";
import type { UsageRecorder } from "@switchyard/usage/producer";
import type { CompiledRoute } from "../runtime/types.ts";
import { costMicroUsd } from "./demand.ts";
import type { Caller, ModelPrice } from "./limit-index.ts";

/** How a call ended, as far as accounting cares. */
export interface CallOutcome {
  readonly status: number;
  /** Usage the answer reported, or null. */
  readonly usage: TokenUsage | null;
  /** Server-sent events written to the client (a stream's output when usage is missing). */
  readonly events: number;
  readonly streamed: boolean;
}

/**
 * What a call consumed. Reported usage when there is one. Otherwise: nothing for a call that failed before
 * any answer; for a stream cut short (the client left, the upstream broke off) the estimated prompt plus one
 * output token per event written, so a client that disconnects is charged for what was produced, never
 * zero; for a complete answer without usage, the reservation (the estimate the call was admitted on).
 */
export function actualAmounts(o: CallOutcome, reserved: Amounts, price: ModelPrice | null): Amounts {
  let input: number;
  let cached = 0;
  let output: number;
  if (o.usage !== null) {
    input = o.usage.inputTokens;
    cached = o.usage.cachedInputTokens ?? 0;
    output = o.usage.outputTokens;
  } else if (o.status === 0 || o.status >= 400) {
    return NOTHING;
  } else if (o.streamed) {
    input = reserved.inputTokens;
    output = o.events;
  } else {
    return reserved;
  }
  return {
    inputTokens: input,
    outputTokens: output,
    costMicroUsd: price === null ? 0 : costMicroUsd(price, input, cached, output),
  };
}

const NOTHING: Amounts = Object.freeze({ inputTokens: 0, outputTokens: 0, costMicroUsd: 0 });

/** Everything known about a call when it ends. */
export interface FinishedCall {
  readonly requestId: string;
  readonly nodeId: string;
  readonly caller: Caller;
  readonly route: CompiledRoute;
  readonly price: ModelPrice | null;
  readonly reserved: Amounts;
  readonly lease: Lease | null;
  readonly outcome: CallOutcome;
  readonly startedAt: number;
  readonly now: number;
}

/**
 * Settles a call's reservation to what it consumed and records it. Neither waits: a settle that changes a
 * counter leaves with the turn's other Redis writes, and the record joins the next usage append (one script
 * call for the records of up to 10 ms).
 */
export function finishCall(limiter: Limiter, usage: UsageRecorder, f: FinishedCall): void {
  const actual = actualAmounts(f.outcome, f.reserved, f.price);
  if (f.lease !== null) limiter.settle(f.lease, actual);
  const u = f.outcome.usage;
  usage.record({
    requestId: f.requestId,
    ts: f.now,
    nodeId: f.nodeId,
    consumerId: f.caller.consumerId,
    groupId: f.caller.groupId,
    routeId: f.route.routeId,
    alias: f.route.alias,
    providerId: f.route.providerId,
    model: f.route.target.upstreamModel,
    inputTokens: actual.inputTokens,
    outputTokens: actual.outputTokens,
    cachedTokens: u?.cachedInputTokens ?? 0,
    reasoningTokens: u?.reasoningTokens ?? 0,
    costMicroUsd: f.price === null ? null : actual.costMicroUsd,
    status: f.outcome.status,
    latencyMs: Math.max(0, Math.round(f.now - f.startedAt)),
    streamed: f.outcome.streamed,
  });
}
