export {
  CONCURRENCY_RETRY_AFTER_MS,
  NO_RULES_ADMISSION,
  UNAVAILABLE_RETRY_AFTER_MS,
} from "./admission.ts";
export type { BreakerOptions } from "./breaker.ts";
export type {
  Admission,
  Amounts,
  Lease,
  LimitDecisionEvent,
  Limiter,
  LimitPlan,
  LimitRule,
  Meter,
  RejectReason,
  RuleFailurePolicy,
  RuleKind,
  RuleWindow,
} from "./engine-types.ts";
export { counterBase, counterKey } from "./limit-keys.ts";
export { limitRule, MICRO_USD, scopeKey } from "./limit-rules.ts";
export {
  createMemoryEngine,
  createMemoryLimiter,
  DEFAULT_LEASE_TTL_MS,
  type MemoryEngineOptions,
} from "./memory-engine.ts";
export type { EngineLogger } from "./redis-calls.ts";
export { createLimiter, type LimiterOptions } from "./redis-engine.ts";
export { windowBounds } from "./windows.ts";
