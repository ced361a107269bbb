import type { ApplyError } from "@switchyard/config-sync/client";
import { err, ok, type Result } from "@switchyard/errors";
import {
  FAILURE_POLICIES,
  LIMIT_KINDS,
  LIMIT_MODES,
  LIMIT_SCOPES,
  LIMIT_WINDOWS,
  type LimitSpec,
  limitProblem,
} from "@switchyard/policy";

const KINDS = new Set<string>(LIMIT_KINDS);
const WINDOWS = new Set<string>(LIMIT_WINDOWS);
const SCOPES = new Set<string>(LIMIT_SCOPES);
const POLICIES = new Set<string>(FAILURE_POLICIES);
const MODES = new Set<string>(LIMIT_MODES);

/**
 * Checks every limit of a snapshot before it is applied. A limit this node cannot enforce (a kind, window,
 * scope or policy it does not know, fields that do not fit together) is an error naming it: applying the rest
 * would silently drop a limit the operator believes is in force. Limits are turned into limiter plans later,
 * per (consumer, route) pair on first use (see limits/limit-index.ts).
 */
export function checkLimits(limits: readonly LimitSpec[]): Result<true, ApplyError> {
  const steps = checkLimitsSteps(limits);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Limits checked between two chances to yield to the event loop. */
const CHECKS_PER_SLICE = 8_192;

/** {@link checkLimits} as a generator that yields every few thousand limits (see compileSteps). */
export function* checkLimitsSteps(limits: readonly LimitSpec[]): Generator<void, Result<true, ApplyError>> {
  for (let i = 0; i < limits.length; i++) {
    if (i % CHECKS_PER_SLICE === CHECKS_PER_SLICE - 1) yield;
    const l = limits[i] as LimitSpec;
    const refuse = (code: string, message: string): Result<never, ApplyError> =>
      err({ code, message, entityKind: "limit", entityId: l.id });
    if (!KINDS.has(l.kind))
      return refuse("unsupported_limit", `limit kind ${l.kind} is not enforced by this data plane`);
    if (l.window !== null && !WINDOWS.has(l.window)) {
      return refuse("unsupported_limit", `limit window ${l.window} is not enforced by this data plane`);
    }
    if (!SCOPES.has(l.scope))
      return refuse("unsupported_limit", `limit scope ${l.scope} is not enforced by this data plane`);
    if (!POLICIES.has(l.failurePolicy)) {
      return refuse("unsupported_limit", `failure policy ${l.failurePolicy} is not known to this data plane`);
    }
    if (!MODES.has(l.mode)) return refuse("unsupported_limit", `limit mode ${l.mode} is not known to this data plane`);
    if (!(l.limit >= 0)) return refuse("invalid_limit", "limit must not be negative");
    const problem = limitProblem(l);
    if (problem) return refuse("invalid_limit", `${problem.field}: ${problem.message}`);
  }
  return ok(true);
}
