import type { FailurePolicy, LimitKind, LimitScope, LimitWindow, ProviderKind } from "@switchyard/policy";
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
  readonly window: LimitWindow;
  readonly scope: LimitScope;
  readonly scopeId: string;
  readonly limit: number;
  readonly failurePolicy: FailurePolicy;
}

/**
 * What history keeps of one snapshot: the policy a rollback restores (providers, routes, limits) in full,
 * and only the number of consumers and keys, which are never rolled back and can run to 100,000s.
 */
export interface HistoryContent {
  readonly providers: readonly HistoryProvider[];
  readonly routes: readonly HistoryRoute[];
  readonly limits: readonly HistoryLimit[];
  readonly consumers: number;
  readonly apiKeys: number;
}

/** The part of history a rollback restores. */
export type HistoryPolicy = Pick<HistoryContent, "providers" | "routes" | "limits">;

/** How many of each entity a snapshot held. */
export interface HistoryCounts {
  readonly providers: number;
  readonly routes: number;
  readonly limits: number;
  readonly consumers: number;
  readonly apiKeys: number;
}

/** The counts of a history content. */
export function countsOf(c: HistoryContent): HistoryCounts {
  return {
    providers: c.providers.length,
    routes: c.routes.length,
    limits: c.limits.length,
    consumers: c.consumers,
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
  readonly consumers: { readonly length: number };
  readonly apiKeys: { readonly length: number };
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
    routes: rows.routes.map((r) => ({
      id: r.id,
      alias: r.alias,
      providerId: r.providerId,
      upstreamModel: r.upstreamModel,
      strict: r.strict,
    })),
    limits: rows.limits.map((l) => ({
      id: l.id,
      kind: l.kind,
      window: l.window,
      scope: l.scope,
      scopeId: l.scopeId,
      limit: l.limit,
      failurePolicy: l.failurePolicy,
    })),
    consumers: rows.consumers.length,
    apiKeys: rows.apiKeys.length,
  };
}

/**
 * A policy state as stored, with the fields added since it was written set to their defaults (history rows
 * older than the `api_version`/`strict`/`allow_internal` columns lack them), so diffs and rollback plans compare like with like.
 */
export function withPolicyDefaults(p: HistoryPolicy): HistoryPolicy {
  return {
    providers: p.providers.map((x) => ({
      ...x,
      apiVersion: x.apiVersion ?? null,
      allowInternal: x.allowInternal ?? false,
    })),
    routes: p.routes.map((x) => ({ ...x, strict: x.strict ?? false })),
    limits: p.limits,
  };
}
