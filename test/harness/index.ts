export { freePort } from "./free-port.ts";
export { createDatabase, type PostgresInstance, startPostgres } from "./postgres.ts";
export { type RedisInstance, startRedis } from "./redis.ts";
export { type RedisClusterInstance, startRedisCluster } from "./redis-cluster.ts";
export { redisCommand } from "./redis-command.ts";
export { type RedisSentinelInstance, type RedisSentinelOptions, startRedisSentinel } from "./redis-sentinel.ts";
export {
  type RedisTlsFiles,
  type RedisTlsInstance,
  redisTlsUnsupportedReason,
  startRedisTls,
} from "./redis-tls.ts";
export { eventually, REPO_ROOT, type ServiceProcess, startService } from "./service.ts";
export { type CertFiles, testPki } from "./test-pki.ts";
