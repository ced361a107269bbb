import type { FailurePolicy } from "@switchyard/policy";

/**
 * One request-count rule as the data plane compiled it from a snapshot: at most `limit` requests per
 * fixed UTC window of `windowMs` for everything sharing `scopeKey`.
 */
export interface RequestRule {
  /** The limit's id, reported back as `blockedBy`. */
  readonly id: string;
  /** Requests admitted per window; a non-negative integer. */
  readonly limit: number;
  /** Window length in milliseconds (60 000 for the `minute` window); a positive integer. */
  readonly windowMs: number;
  /** What the rule counts against, e.g. `consumer:<id>`; rules with equal scope and window share a counter. */
  readonly scopeKey: string;
  /** What to decide when the limiter cannot answer. */
  readonly failurePolicy: FailurePolicy;
}

/** The answer for one request, summarising every rule that applied to it. */
export interface LimitDecision {
  /** Whether the request may proceed (and was counted). */
  readonly allowed: boolean;
  /** Limit of the deciding rule: the blocking rule when rejected, else the rule with the least remaining. */
  readonly limit: number;
  /** Requests the deciding rule still admits in its current window. */
  readonly remaining: number;
  /** Milliseconds until the deciding rule's window ends. */
  readonly resetMs: number;
  /** Milliseconds the client should wait before retrying; 0 when allowed. */
  readonly retryAfterMs: number;
  /** Id of the rule that rejected the request, or null. */
  readonly blockedBy: string | null;
  /** True when the limiter could not answer and the rules' failure policies decided instead. */
  readonly degraded: boolean;
}

/** Checks and counts a request against its rules; implementations exist for Redis and for memory. */
export interface RequestLimiter {
  /**
   * Decides one request: admitted only if every rule has room, and then counted against all of them.
   * A rejected request consumes nothing. With no rules it answers at once without any I/O.
   */
  check(rules: readonly RequestRule[]): Promise<LimitDecision>;
  /** Releases connections; the limiter is unusable afterwards. */
  close(): Promise<void>;
}
