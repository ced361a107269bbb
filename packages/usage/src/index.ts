/**
 * @switchyard/usage: usage records from the data plane to PostgreSQL through a Redis stream. The record type
 * and its stream encoding are here; the data plane imports `./producer`, the control plane `./consumer`.
 */
export { createUsageRedisClient, type UsageRedisClientOptions } from "./redis-client.ts";
export { decodeUsageRecord, encodeUsageRecord, USAGE_ENCODING_VERSION, type UsageRecord } from "./usage-record.ts";
export type { UsageLogger, UsageRedis } from "./usage-redis.ts";

/** The stream key used when `USAGE_STREAM_KEY` is not set. */
export const DEFAULT_USAGE_STREAM_KEY = "sy:usage";
