export { DEGRADED_RETRY_AFTER_MS } from "./decision.ts";
export { ruleKeyBase, windowKey, windowStart } from "./keys.ts";
export { createMemoryLimiter, type MemoryLimiterOptions } from "./memory-limiter.ts";
export { createRedisLimiter, type LimiterLogger, type RedisLimiterOptions } from "./redis-limiter.ts";
export { EXPIRY_MARGIN_MS, REQUEST_LIMIT_SCRIPT } from "./request-script.ts";
export type { LimitDecision, RequestLimiter, RequestRule } from "./types.ts";
