import { readFileSync } from "node:fs";
import { serve } from "@hono/node-server";
import { createConfigServer } from "@switchyard/config-sync/server";
import { createDb, isSchemaCurrent, migrateToLatest, ping } from "@switchyard/db";
import type { VersionedSnapshot } from "@switchyard/policy";
import { createRedisConnection } from "@switchyard/ratelimit/connection";
import { readLimitCounters } from "@switchyard/ratelimit/inspect";
import { createLogger, createOpsApp, createRegistry } from "@switchyard/telemetry";
import { createAdminApp } from "./admin/app.ts";
import { createUpstreamGuard } from "./admin/upstream-guard.ts";
import { parseEnv } from "./env.ts";
import { prepareLocalFiles } from "./local-mode.ts";
import { controlPlaneMetrics } from "./metrics.ts";
import { createSecretBox, parseMasterKey } from "./secrets/secret-box.ts";
import { startFleetSizeSync } from "./sync/fleet-size-sync.ts";
import { createFleetView } from "./sync/fleet-view.ts";
import { startNodeStatusWriter } from "./sync/node-status-writer.ts";
import { seedLocal } from "./sync/seed-local.ts";
import { createSnapshotPublisher } from "./sync/snapshot-publisher.ts";
import { startUsageConsumer } from "./usage/start-usage-consumer.ts";
import { startUsageRetention } from "./usage/usage-retention.ts";

/** An admin read of limit counters waits this long for Redis before answering 503. */
const LIMIT_COUNTERS_TIMEOUT_MS = 1_000;

const BUILD_VERSION: string = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;

async function main(): Promise<void> {
  const env = parseEnv(process.env);
  const logger = createLogger({ name: "control-plane", level: env.LOG_LEVEL });
  const registry = createRegistry({ app: "control-plane" });
  const local =
    env.SWITCHYARD_MODE === "local"
      ? prepareLocalFiles(env.SWITCHYARD_DATA_DIR, {
          masterKey: env.MASTER_KEY,
          adminToken: env.ADMIN_TOKEN,
          nodeToken: env.NODE_TOKEN,
        })
      : undefined;
  const masterKey = parseMasterKey((local?.masterKey ?? env.MASTER_KEY) as string);
  const adminToken = (local?.adminToken ?? env.ADMIN_TOKEN) as string;
  const nodeToken = (local?.nodeToken ?? env.NODE_TOKEN) as string;

  const db = local
    ? createDb({ pgliteDataDir: local.pgliteDir })
    : createDb({ url: env.DATABASE_URL as string }, env.DB_POOL_MAX);
  if (env.MIGRATE_ON_START || local) {
    await migrateToLatest(db);
  } else {
    // A migration Job owns the schema: wait for it rather than serve against an old schema.
    const deadline = Date.now() + env.SCHEMA_WAIT_TIMEOUT_MS;
    while (!(await isSchemaCurrent(db).catch(() => false))) {
      if (Date.now() > deadline) throw new Error("database schema is not current (has the migration job run?)");
      logger.info({}, "waiting for the database schema to be migrated");
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
  logger.info({ dialect: db.dialect }, "database schema is current");

  const secrets = createSecretBox(new Map([[env.MASTER_KEY_ID, masterKey]]), env.MASTER_KEY_ID);
  let publishedSnapshot = (): VersionedSnapshot | undefined => undefined;
  const metrics = controlPlaneMetrics(registry, {
    nodes: () => configServer.nodes(),
    current: () => publishedSnapshot(),
  });
  const configServer = createConfigServer({
    nodeTokens: [nodeToken, ...env.NODE_TOKEN_PREVIOUS],
    ...(env.GRPC_TLS_CERT_FILE && env.GRPC_TLS_KEY_FILE
      ? {
          tls: {
            certFile: env.GRPC_TLS_CERT_FILE,
            keyFile: env.GRPC_TLS_KEY_FILE,
            ...(env.GRPC_TLS_CLIENT_CA_FILE ? { clientCaFile: env.GRPC_TLS_CLIENT_CA_FILE } : {}),
            reloadIntervalMs: env.GRPC_TLS_RELOAD_MS,
          },
        }
      : {}),
    host: env.HOST,
    port: env.GRPC_PORT,
    logger,
    events: metrics.events,
    keepaliveTimeMs: env.GRPC_KEEPALIVE_MS,
    keepaliveTimeoutMs: env.GRPC_KEEPALIVE_TIMEOUT_MS,
  });
  const publisher = createSnapshotPublisher({
    db,
    secrets,
    logger,
    publish: (s) => configServer.publish(s),
    debounceMs: env.SNAPSHOT_DEBOUNCE_MS,
    maxDelayMs: env.SNAPSHOT_MAX_DELAY_MS,
    historyKeep: env.SNAPSHOT_HISTORY_KEEP,
    pollIntervalMs: env.SNAPSHOT_POLL_INTERVAL_MS,
    onBuild: metrics.onBuild,
  });
  publishedSnapshot = () => publisher.current();
  const statusWriter = startNodeStatusWriter({
    db,
    replicaId: env.REPLICA_ID,
    nodes: () => configServer.nodes(),
    intervalMs: env.NODE_STATUS_FLUSH_MS,
    logger,
  });
  const fleetView = createFleetView({
    db,
    replicaId: env.REPLICA_ID,
    nodes: () => configServer.nodes(),
    // Three missed writes: one slow write must not make a healthy node look gone.
    staleAfterMs: env.NODE_STATUS_FLUSH_MS * 3 + 1_000,
    logger,
  });
  const usageConsumer = env.redis
    ? startUsageConsumer({
        redis: env.redis,
        db,
        streamKey: env.USAGE_STREAM_KEY,
        batchSize: env.USAGE_BATCH_SIZE,
        claimIdleMs: env.USAGE_CLAIM_IDLE_MS,
        replicaId: env.REPLICA_ID,
        logger,
        registry,
      })
    : null;
  if (!usageConsumer) logger.info({}, "usage consumer off: no Redis configured, usage records are not collected");
  // Its own connection: the usage consumer's blocking reads would hold an admin read up to a second.
  const inspectRedis = env.redis
    ? createRedisConnection(env.redis, {
        commandTimeoutMs: LIMIT_COUNTERS_TIMEOUT_MS,
        connectionName: `sy-cp-limits-${env.REPLICA_ID}`,
      })
    : null;
  inspectRedis?.on("error", () => {});
  const usageRetention = startUsageRetention({ db, retentionDays: env.USAGE_RETENTION_DAYS, logger });
  const fleetSize = startFleetSizeSync({
    fleet: fleetView,
    setFleetSize: (n) => configServer.setFleetSize(n),
    intervalMs: env.NODE_STATUS_FLUSH_MS,
    logger,
  });
  const localKey = local ? await seedLocal(db, local.apiKeyFile, logger) : null;
  await publisher.start();
  const grpcPort = await configServer.listen();

  let shuttingDown = false;
  const ready = async () => !shuttingDown && (await ping(db)) && (await isSchemaCurrent(db));
  const admin = createAdminApp(
    {
      db,
      secrets,
      logger,
      guardUpstream: createUpstreamGuard({ allowInternal: env.ALLOW_INTERNAL_UPSTREAMS }),
      changed: (g, urgent) => publisher.changed(g, urgent),
      nodes: fleetView,
      ...(inspectRedis ? { readLimitCounters: (rules) => readLimitCounters(inspectRedis, rules) } : {}),
    },
    {
      adminTokens: [adminToken],
      registry,
      ready,
      currentSnapshot: () => publisher.current(),
      coveredGeneration: () => publisher.coveredGeneration(),
      buildVersion: BUILD_VERSION,
    },
  );
  const adminServer = serve({ fetch: admin.fetch, hostname: env.HOST, port: env.ADMIN_PORT });
  const opsServer = serve({
    fetch: createOpsApp({ registry, ready }).fetch,
    hostname: env.HOST,
    port: env.METRICS_PORT,
  });
  logger.info(
    {
      mode: env.SWITCHYARD_MODE,
      adminPort: env.ADMIN_PORT,
      grpcPort,
      metricsPort: env.METRICS_PORT,
      replicaId: env.REPLICA_ID,
      version: BUILD_VERSION,
      ...(local ? { dataDir: local.dataDir, seededKey: localKey !== null } : {}),
    },
    "control plane started",
  );

  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, "control plane shutting down");
    fleetSize.stop();
    await publisher.stop();
    await configServer.close(env.SHUTDOWN_GRACE_MS);
    // The streams are closed now; the last batch tells the other replicas these nodes left this one.
    await statusWriter.flush();
    await statusWriter.stop();
    await new Promise<void>((r) => adminServer.close(() => r()));
    opsServer.close();
    // The batch in hand is committed and acknowledged (or left pending for another replica) before the pool goes.
    await usageConsumer?.stop();
    await usageRetention.stop();
    inspectRedis?.disconnect();
    await db.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((e: Error) => {
  process.stderr.write(`control plane failed to start: ${e.message}\n`);
  process.exit(1);
});
