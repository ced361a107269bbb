/**
 * `@switchyard/ratelimit/connection`: how both planes reach Redis (one server, Sentinel or Cluster, with TLS
 * and ACL auth), and the environment variables that say so. The control plane may import this entry; the
 * limiter itself stays the data plane's.
 */
export {
  createRedisConnection,
  parseRedisUrl,
  type RedisClient,
  type RedisConnectionConfig,
  type RedisConnectionOptions,
  type RedisEndpoint,
  type RedisTlsConfig,
  reconnectDelayMs,
  whenRedisReady,
} from "./redis-connection.ts";
export { parseRedisEnv, REDIS_ENV_VARS, type RedisEnvResult } from "./redis-env.ts";
