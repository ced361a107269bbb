/**
 * One served request as the usage pipeline delivers it (the same shape as `@switchyard/usage`'s UsageRecord,
 * repeated here so the store does not depend on the pipeline). `costMicroUsd` null means unpriced.
 */
export interface UsageRecordInput {
  readonly requestId: string;
  /** Completion time, milliseconds since the epoch. */
  readonly ts: number;
  readonly nodeId: string;
  readonly consumerId: string;
  readonly groupId: string | null;
  readonly routeId: string;
  readonly alias: string;
  readonly providerId: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedTokens: number;
  readonly reasoningTokens: number;
  readonly costMicroUsd: number | null;
  readonly status: number;
  readonly latencyMs: number;
  readonly streamed: boolean;
}

/** What a usage query groups by. */
export type UsageGroupBy = "consumer" | "group" | "route" | "model";

/** A usage query: UTC days `from` to `to`, both included, as `YYYY-MM-DD`; filters narrow it. */
export interface UsageQuery {
  readonly from: string;
  readonly to: string;
  readonly groupBy: UsageGroupBy;
  readonly filters?: {
    readonly consumerId?: string;
    /** A group id; `null` asks for consumers without a group. */
    readonly groupId?: string | null;
    readonly routeId?: string;
    readonly model?: string;
  };
}

/** Sums over some requests. `costMicroUsd` covers priced requests only; `unpricedRequests` counts the others. */
export interface UsageSums {
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedTokens: number;
  readonly reasoningTokens: number;
  readonly costMicroUsd: number;
  readonly unpricedRequests: number;
}

/** A usage query's answer: per key over the whole range, per day and key, and the grand total. */
export interface UsageReport {
  /** Per key (consumer id, group id, route id or model; null = no group), largest cost first. */
  readonly totals: (UsageSums & { readonly key: string | null })[];
  /** Per UTC day and key, oldest day first. */
  readonly daily: (UsageSums & { readonly day: string; readonly key: string | null })[];
  readonly total: UsageSums;
}
