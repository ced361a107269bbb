import type {
  FailurePolicy,
  LimitKind,
  LimitMode,
  LimitScope,
  LimitWindow,
  ProviderKind,
  UnpricedPolicy,
} from "@switchyard/policy";
import { normalFailurePolicy } from "../limits/limit-record.ts";
import type { SealedSecret } from "../providers/provider-record.ts";

/** A provider as history keeps it: every column a rollback restores, the credential still sealed. */
export interface HistoryProvider {
  readonly id: string;
  readonly name: string;
  readonly kind: ProviderKind;
  readonly baseUrl: string | null;
  readonly apiKey: SealedSecret | null;
  readonly connectTimeoutMs: number;
  readonly firstByteTimeoutMs: number;
  readonly apiVersion: string | null;
  readonly allowInternal: boolean;
}

/** A route as history keeps it. */
export interface HistoryRoute {
  readonly id: string;
  readonly alias: string;
  readonly providerId: string;
  readonly upstreamModel: string;
  readonly strict: boolean;
}

/** A limit as history keeps it. */
export interface HistoryLimit {
  readonly id: string;
  readonly kind: LimitKind;
  readonly window: LimitWindow | null;
  readonly scope: LimitScope;
  readonly scopeId: string;
  readonly limit: number;
  readonly failurePolicy: FailurePolicy;
  readonly mode: LimitMode;
  readonly onUnpriced: UnpricedPolicy;
  readonly streamCutoff: boolean;
}

/** A price catalog entry as history keeps it. */
export interface HistoryPrice {
  readonly id: string;
  readonly model: string;
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
  readonly cachedInputPerMTok: number | null;
}

/**
 * What history keeps of one snapshot: the policy a rollback restores (providers, routes, limits, prices) in
 * full, and only the number of consumers, groups and keys, which are never rolled back (a revoked key, a
 * disabled consumer or a changed team must never come back) and can run to 100,000s.
 */
export interface HistoryContent {
  readonly providers: readonly HistoryProvider[];
  readonly routes: readonly HistoryRoute[];
  readonly limits: readonly HistoryLimit[];
  /** Null in history written before the price catalog existed: a rollback to it leaves prices alone. */
  readonly prices: readonly HistoryPrice[] | null;
  readonly consumers: number;
  readonly groups: number;
  readonly apiKeys: number;
}

/** The part of history a rollback restores. */
export type HistoryPolicy = Pick<HistoryContent, "providers" | "routes" | "limits" | "prices">;

/** How many of each entity a snapshot held. */
export interface HistoryCounts {
  readonly providers: number;
  readonly routes: number;
  readonly limits: number;
  readonly prices: number;
  readonly consumers: number;
  readonly groups: number;
  readonly apiKeys: number;
}

/** The counts of a history content. */
export function countsOf(c: HistoryContent): HistoryCounts {
  return {
    providers: c.providers.length,
    routes: c.routes.length,
    limits: c.limits.length,
    prices: c.prices?.length ?? 0,
    consumers: c.consumers,
    groups: c.groups,
    apiKeys: c.apiKeys,
  };
}

/**
 * What history content is taken from: the rows a snapshot was built from (ConfigRows), or providers as rows
 * (credentials sealed) with routes and limits as the snapshot holds them, as an incremental build has them.
 */
export interface HistorySource {
  readonly providers: readonly HistoryProvider[];
  readonly routes: readonly HistoryRoute[];
  readonly limits: readonly HistoryLimit[];
  readonly prices: readonly HistoryPrice[];
  readonly consumers: { readonly length: number };
  readonly groups: { readonly length: number };
  readonly apiKeys: { readonly length: number };
}

/** Counts as stored, with the ones added since (prices, groups) at 0 for older rows. */
export function withCountDefaults(c: Partial<HistoryCounts>): HistoryCounts {
  return {
    providers: c.providers ?? 0,
    routes: c.routes ?? 0,
    limits: c.limits ?? 0,
    prices: c.prices ?? 0,
    consumers: c.consumers ?? 0,
    groups: c.groups ?? 0,
    apiKeys: c.apiKeys ?? 0,
  };
}

/** A route's policy fields, without the row's bookkeeping: what history keeps and the snapshot carries. */
export function routeSpec(r: HistoryRoute): HistoryRoute {
  return { id: r.id, alias: r.alias, providerId: r.providerId, upstreamModel: r.upstreamModel, strict: r.strict };
}

/** A limit's policy fields, without the row's bookkeeping: what history keeps and the snapshot carries. */
export function limitSpec(l: HistoryLimit): HistoryLimit {
  return {
    id: l.id,
    kind: l.kind,
    window: l.window,
    scope: l.scope,
    scopeId: l.scopeId,
    limit: l.limit,
    failurePolicy: l.failurePolicy,
    mode: l.mode,
    onUnpriced: l.onUnpriced,
    streamCutoff: l.streamCutoff,
  };
}

/** A price's policy fields, without the row's bookkeeping: what history keeps and the snapshot carries. */
export function priceSpec(p: HistoryPrice): HistoryPrice {
  return {
    id: p.id,
    model: p.model,
    inputPerMTok: p.inputPerMTok,
    outputPerMTok: p.outputPerMTok,
    cachedInputPerMTok: p.cachedInputPerMTok,
  };
}

/** The history content of the rows a snapshot was built from. */
export function historyContentOf(rows: HistorySource): HistoryContent {
  return {
    providers: rows.providers.map((p) => ({
      id: p.id,
      name: p.name,
      kind: p.kind,
      baseUrl: p.baseUrl,
      apiKey: p.apiKey,
      connectTimeoutMs: p.connectTimeoutMs,
      firstByteTimeoutMs: p.firstByteTimeoutMs,
      apiVersion: p.apiVersion,
      allowInternal: p.allowInternal,
    })),
    routes: rows.routes.map(routeSpec),
    limits: rows.limits.map(limitSpec),
    prices: rows.prices.map(priceSpec),
    consumers: rows.consumers.length,
    groups: rows.groups.length,
    apiKeys: rows.apiKeys.length,
  };
}

/**
 * A policy state as stored, with the fields added since it was written set to their defaults (history rows
 * older than the `api_version`/`strict`/`allow_internal` columns or the limits issue lack them) and the first
 * release's failure policy names (`deny`/`allow`) in today's words, so diffs and rollback plans compare like
 * with like and a rollback never writes an old name back.
 */
export function withPolicyDefaults(p: HistoryPolicy): HistoryPolicy {
  return {
    providers: p.providers.map((x) => ({
      ...x,
      apiVersion: x.apiVersion ?? null,
      allowInternal: x.allowInternal ?? false,
    })),
    routes: p.routes.map((x) => ({ ...x, strict: x.strict ?? false })),
    limits: p.limits.map((x) => ({
      ...x,
      failurePolicy: normalFailurePolicy(x.failurePolicy),
      mode: x.mode ?? "enforce",
      onUnpriced: x.onUnpriced ?? "deny",
      streamCutoff: x.streamCutoff ?? false,
    })),
    prices: p.prices ?? null,
  };
}
