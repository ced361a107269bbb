/** What a rule decides when its store cannot be asked: pass, reject (503), or enforce this node's share. */
export type RuleFailurePolicy = "fail-open" | "fail-closed" | "local";

/** What a rule counts. */
export type RuleKind = "requests" | "input_tokens" | "output_tokens" | "total_tokens" | "concurrency" | "cost_usd";

/** Fixed UTC calendar windows; `month` is the calendar month. */
export type RuleWindow = "second" | "minute" | "hour" | "day" | "month";

/**
 * One limit as the data plane compiled it from a snapshot. Rules with the same scope, kind and window share
 * one counter (the counter is a fact about usage; each rule is a threshold over it).
 */
export interface LimitRule {
  /** The limit's id, reported as `blockedBy`. */
  readonly id: string;
  readonly kind: RuleKind;
  /** Null only for `concurrency`. */
  readonly window: RuleWindow | null;
  /** Non-negative integer: requests, tokens, concurrent slots, or micro-USD for `cost_usd`. */
  readonly limit: number;
  /** `consumer:<id>`, `group:<id>`, `route:<id>`, `provider:<id>` or `global`; also the Redis Cluster hash tag. */
  readonly scopeKey: string;
  readonly failurePolicy: RuleFailurePolicy;
  /** This node's share, enforced in memory under the `local` policy (the caller computes ceil(limit / fleetSize)). */
  readonly localLimit: number;
  /** Counted and reported in `shadowBlocked`, never rejects. */
  readonly shadow: boolean;
  /** A rejection is a quota or budget exhaustion (`insufficient_quota`), not a rate limit. */
  readonly quota: boolean;
  /** Token and cost rules: a stream may be cut off when the rule is exhausted (see {@link Limiter.checkpoint}). */
  readonly cutoff: boolean;
}

/** Usage of one request: estimates when acquiring, actual figures when settling. Non-negative integers. */
export interface Amounts {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costMicroUsd: number;
}

/** One rule's state for the `x-ratelimit-*` headers. */
export interface Meter {
  readonly limit: number;
  /** What the window still admits after this request (or now, when rejected). */
  readonly remaining: number;
  /** Milliseconds until the window ends. */
  readonly resetMs: number;
}

/** What settle and checkpoint need; opaque to callers. */
export interface Lease {
  readonly kind: "lease";
}

/** A rule list compiled once per snapshot (keys and script arguments built); opaque to callers. */
export interface LimitPlan {
  readonly rules: readonly LimitRule[];
}

/** Why a request was rejected. `unavailable`: a fail-closed rule could not be checked. */
export type RejectReason = "rate_limit" | "quota" | "unavailable";

/** The answer for one request, summarising every rule of the plan. */
export interface Admission {
  readonly allowed: boolean;
  /** The rejecting rule with the longest wait; null when allowed. */
  readonly blockedBy: string | null;
  readonly reason: RejectReason | null;
  /** 0 when allowed. */
  readonly retryAfterMs: number;
  /** The most constraining enforced `requests` rule (x-ratelimit-*-requests), null if none was checked. */
  readonly requests: Meter | null;
  /** The most constraining enforced token rule (x-ratelimit-*-tokens), null if none was checked. */
  readonly tokens: Meter | null;
  /** Some rule was decided by its failure policy. */
  readonly degraded: boolean;
  /** Ids of shadow rules that would have rejected. */
  readonly shadowBlocked: readonly string[];
  /** Present when allowed with at least one rule: pass it to settle (exactly once) and checkpoint. */
  readonly lease: Lease | null;
}

/** One degraded or shadow decision, for metrics. */
export interface LimitDecisionEvent {
  readonly ruleId: string;
  readonly policy: RuleFailurePolicy | "shadow";
  /** `allowed`, `rejected` (failure policies) or `would_reject` (shadow). */
  readonly outcome: "allowed" | "rejected" | "would_reject";
}

/** The limit engine: one round trip before the upstream call, at most one after. */
export interface Limiter {
  /** At snapshot-compile time: validates the rules (throws on a broken one) and builds keys and arguments once. */
  plan(rules: readonly LimitRule[]): LimitPlan;
  /** Checks every rule and reserves the demand on all of them, or on none when any enforced rule rejects. */
  acquire(plan: LimitPlan, demand: Amounts): Promise<Admission>;
  /**
   * Stream metering for cutoff rules. `producedSinceLast` is the usage accrued since the previous call (the
   * first call includes the prompt's tokens and cost when they count towards a cutoff rule). Usage beyond
   * the reservation is charged now (settle adds that much less); true when a cutoff rule is exhausted and
   * this request has used up its reservation, so the stream should end. No I/O while within the reservation.
   */
  checkpoint(lease: Lease, producedSinceLast: Amounts): Promise<boolean>;
  /** Settles to the actual usage (refund or top-up) and releases concurrency slots. Fire-and-forget; never throws. */
  settle(lease: Lease, actual: Amounts): void;
  /** Stops timers; the caller closes the Redis client it created. */
  close(): Promise<void>;
}
