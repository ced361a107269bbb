import type { Server } from "node:http";
import { hostname } from "node:os";
import { serve } from "@hono/node-server";
import { createLimiter, createMemoryLimiter, type Limiter } from "@switchyard/ratelimit";
import { createRedisConnection } from "@switchyard/ratelimit/connection";
import { createLogger, createOpsApp, createRegistry } from "@switchyard/telemetry";
import { createUsageProducer, NOOP_USAGE_PRODUCER, type UsageProducer } from "@switchyard/usage/producer";
import pkg from "../package.json" with { type: "json" };
import { createDataPlaneApp } from "./app.ts";
import { startConfigSync } from "./config/start-config-sync.ts";
import { type DataPlaneEnv, parseEnv } from "./env.ts";
import { createDrainer, gracefulClose } from "./graceful-close.ts";
import { createLimitMetrics } from "./metrics/limit-metrics.ts";
import { createPoolSet } from "./runtime/pool-set.ts";
import { createRuntimeHolder } from "./runtime/runtime-holder.ts";

/**
 * The data plane process: builds every service once and wires them together. Nothing here has logic worth
 * testing in isolation; the pieces are tested where they are defined.
 */

let env: DataPlaneEnv;
try {
  env = parseEnv(process.env);
} catch (e) {
  // Before the logger exists; the message names the variable and holds no secret values.
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}

const logger = createLogger({ name: "data-plane", level: env.logLevel });
const registry = createRegistry({ app: "data-plane" });
// One connection, made to fail fast (see docs/limits.md "Redis connection"); the limiter reports its errors.
const redis =
  env.redis === null
    ? null
    : createRedisConnection(env.redis, {
        connectionName: `sy-dp-${env.nodeId}`,
        commandTimeoutMs: env.limits.redisTimeoutMs,
      });
const limitMetrics = createLimitMetrics(registry);
const limiter: Limiter =
  redis === null
    ? createMemoryLimiter({ leaseTtlMs: env.limits.leaseTtlMs })
    : createLimiter({
        client: redis,
        commandTimeoutMs: env.limits.redisTimeoutMs,
        leaseTtlMs: env.limits.leaseTtlMs,
        logger: logger.child({ component: "ratelimit" }),
        onDecision: limitMetrics.ruleDecision,
      });
// Usage records share the limiter's connection (never a second one): one script call appends the records of up to 10 ms.
const usage: UsageProducer =
  redis === null
    ? NOOP_USAGE_PRODUCER
    : createUsageProducer({
        client: redis,
        streamKey: env.usage.streamKey,
        maxLen: env.usage.maxLen,
        spoolDir: env.usage.spoolDir,
        spoolMaxBytes: env.usage.spoolMaxBytes,
        nodeId: env.nodeId,
        logger: logger.child({ component: "usage" }),
        registry,
      });
const holder = createRuntimeHolder({
  pools: createPoolSet({ network: env.upstreamNetwork }),
  rejectRouteAlias: env.testRejectRouteAlias,
  onPoolCloseError: (e) =>
    logger.warn({ err: e instanceof Error ? e.name : "unknown" }, "closing a retired pool failed"),
});

let shuttingDown = false;
// Declared before the sync starts so readiness can be asked at any time; it is not ready until then.
let configReady = (): boolean => false;
const ready = () => !shuttingDown && configReady();

const app = createDataPlaneApp({
  runtime: holder,
  limiter,
  limitMetrics,
  defaultOutputTokens: env.limits.defaultOutputTokens,
  nodeId: env.nodeId,
  logger,
  registry,
  maxRequestBodyBytes: env.maxRequestBodyBytes,
  ready,
  usage,
});
const server = serve({ fetch: app.fetch, hostname: env.host, port: env.port }, (info) =>
  logger.info({ port: info.port, mode: env.mode }, "data plane listening"),
) as Server;
const drainer = createDrainer(server);
const ops = serve(
  { fetch: createOpsApp({ registry, ready }).fetch, hostname: env.host, port: env.metricsPort },
  (info) => logger.info({ port: info.port }, "metrics and health listening"),
) as Server;

const sync = startConfigSync({
  env,
  holder,
  logger,
  registry,
  hostname: hostname(),
  buildVersion: pkg.version,
});
configReady = sync.configReady;

/**
 * Shutdown order: report not ready (load balancers stop sending), stop accepting, let in-flight requests
 * finish within the grace period, then stop the config stream and release pools and Redis.
 */
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ signal, graceMs: env.shutdownGraceMs }, "shutting down");
  try {
    const drained = await drainer.drain(env.shutdownGraceMs);
    if (!drained) logger.warn({}, "grace period ended with requests still open; they were cut");
    await sync.stop();
    // Every request has finished and recorded its usage: what Redis did not take goes to the spool file.
    await usage.close();
    await Promise.all([holder.close(), limiter.close(), gracefulClose(ops, 1_000)]);
    await redis?.quit().catch(() => redis.disconnect());
  } catch (e) {
    logger.error({ err: e instanceof Error ? e.name : "unknown" }, "shutdown did not complete cleanly");
    process.exit(1);
  }
  logger.info({}, "stopped");
  process.exit(0);
}

process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
