import { type ConfigSnapshot, type LimitSpec, METERED_KINDS, type PriceSpec } from "@switchyard/policy";
import { type LimitPlan, type LimitRule, limitRule } from "@switchyard/ratelimit";

/** USD per million tokens is micro-dollars per token, so a price multiplies token counts directly. */
export interface ModelPrice {
  readonly input: number;
  readonly cachedInput: number;
  readonly output: number;
}

/** What applies to calls by one consumer to one route; built on first use and kept for the snapshot's life. */
export interface CallLimits {
  /** The limiter plan of every enforced and shadow rule, or null when no limit applies (no limiter call). */
  readonly plan: LimitPlan | null;
  /** Whether a token or cost rule applies, so the call's tokens must be estimated before it is admitted. */
  readonly metered: boolean;
  /** The route's model price, or null when the catalog has none (the call is unpriced, never free). */
  readonly price: ModelPrice | null;
  /** Id of a cost limit that refuses this unpriced model, or null. */
  readonly refusedBy: string | null;
  /** Whether a limit with stream cut-off applies, so streams are metered as they flow. */
  readonly cutoff: boolean;
}

/** The callers' side of a call, as the key grant knows it. */
export interface Caller {
  readonly consumerId: string;
  readonly groupId: string | null;
}

/** The route's side of a call. */
export interface CalledRoute {
  readonly routeId: string;
  readonly providerId: string;
  readonly target: { readonly upstreamModel: string };
}

/** Resolves which limits apply to a call, once per (consumer, route) and snapshot. */
export interface LimitIndex {
  /**
   * The limits of a call, planned by `planner` (the app's limiter) on first use and cached for the snapshot's
   * life; a call with another planner than the cached plans were made by plans again.
   */
  forCall(caller: Caller, route: CalledRoute, planner: Planner): CallLimits;
  /** The fleet size changed: local-policy shares are recomputed on next use. */
  setFleetSize(n: number): void;
}

/** Builds a limiter plan from rules; the limiter's `plan`. */
export type Planner = (rules: readonly LimitRule[]) => LimitPlan;

const NO_LIMITS: CallLimits = Object.freeze({
  plan: null,
  metered: false,
  price: null,
  refusedBy: null,
  cutoff: false,
});

function priceOf(p: PriceSpec): ModelPrice {
  return Object.freeze({
    input: p.inputPerMTok,
    cachedInput: p.cachedInputPerMTok ?? p.inputPerMTok,
    output: p.outputPerMTok,
  });
}

function push(map: Map<string, LimitSpec[]>, key: string, l: LimitSpec): void {
  const list = map.get(key);
  if (list) list.push(l);
  else map.set(key, [l]);
}

/**
 * Indexes a snapshot's limits by scope so a call's rules are the union of its consumer's, its consumer
 * group's, its route's, its provider's and the global ones. The union per (consumer, route) is planned on
 * first use and cached: a snapshot with 100,000 consumers and 50 routes plans only the pairs that are used.
 */
export function createLimitIndex(cfg: ConfigSnapshot, fleetSize = 1): LimitIndex {
  const byScope = new Map<string, LimitSpec[]>();
  const global: LimitSpec[] = [];
  for (const l of cfg.limits) {
    if (l.scope === "global") global.push(l);
    else push(byScope, `${l.scope}:${l.scopeId}`, l);
  }
  const prices = new Map(cfg.prices.map((p) => [p.model, priceOf(p)]));
  let fleet = Math.max(1, fleetSize);
  /** Per consumer: the group its plans were made for, and its plans by route id. */
  let cache = new Map<string, { groupId: string | null; byRoute: Map<string, CallLimits> }>();

  let plannedBy: Planner | null = null;

  function build(caller: Caller, route: CalledRoute, planner: Planner): CallLimits {
    const specs = [
      ...(byScope.get(`consumer:${caller.consumerId}`) ?? []),
      ...(caller.groupId === null ? [] : (byScope.get(`consumer_group:${caller.groupId}`) ?? [])),
      ...(byScope.get(`route:${route.routeId}`) ?? []),
      ...(byScope.get(`provider:${route.providerId}`) ?? []),
      ...global,
    ];
    const price = prices.get(route.target.upstreamModel) ?? null;
    if (specs.length === 0) return price === null ? NO_LIMITS : Object.freeze({ ...NO_LIMITS, price });
    const rules: LimitRule[] = [];
    let refusedBy: string | null = null;
    for (const s of specs) {
      if (s.kind === "cost_usd" && price === null) {
        // An unpriced model is never counted as free: the budget either refuses it or lets it through uncounted.
        if (s.onUnpriced === "deny" && s.mode === "enforce") refusedBy ??= s.id;
        continue;
      }
      rules.push(limitRule(s, fleet));
    }
    return Object.freeze({
      plan: rules.length === 0 ? null : planner(rules),
      metered: rules.some((r) => METERED_KINDS.has(r.kind)),
      price,
      refusedBy,
      cutoff: rules.some((r) => r.cutoff && !r.shadow && METERED_KINDS.has(r.kind)),
    });
  }

  return {
    forCall(caller, route, planner) {
      if (planner !== plannedBy) {
        plannedBy = planner;
        cache = new Map();
      }
      let entry = cache.get(caller.consumerId);
      // A consumer that moved to another group (a later snapshot reusing this index) starts over.
      if (entry === undefined || entry.groupId !== caller.groupId) {
        entry = { groupId: caller.groupId, byRoute: new Map() };
        cache.set(caller.consumerId, entry);
      }
      let limits = entry.byRoute.get(route.routeId);
      if (limits === undefined) {
        limits = build(caller, route, planner);
        entry.byRoute.set(route.routeId, limits);
      }
      return limits;
    },
    setFleetSize(n) {
      const next = Math.max(1, Math.floor(n));
      if (next === fleet) return;
      fleet = next;
      cache = new Map();
    },
  };
}
