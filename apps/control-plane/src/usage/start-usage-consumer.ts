import { type Db, usage } from "@switchyard/db";
import { createRedisConnection, type RedisConnectionConfig } from "@switchyard/ratelimit/connection";
import type { Logger } from "@switchyard/telemetry";
import { createUsageConsumer } from "@switchyard/usage/consumer";
import type { Registry } from "prom-client";

/** The consumer group every control-plane replica joins on the usage stream. */
export const USAGE_CONSUMER_GROUP = "switchyard-control-plane";

/** How long an idle read blocks on the stream; the connection's command timeout is set above it. */
const BLOCK_MS = 1_000;

/** Options for {@link startUsageConsumer}. */
export interface UsageConsumerSetup {
  redis: RedisConnectionConfig;
  db: Db;
  streamKey: string;
  batchSize: number;
  claimIdleMs: number;
  /** This replica's name in the group (REPLICA_ID): a restart under the same name takes its pending entries back. */
  replicaId: string;
  logger: Logger;
  registry: Registry;
}

/**
 * Reads the usage stream into PostgreSQL: each batch is committed by `usage.insertBatch` (idempotent by request
 * id) before it is acknowledged. Uses a Redis connection of its own, because its reads block.
 */
export function startUsageConsumer(opts: UsageConsumerSetup): { stop(): Promise<void> } {
  const client = createRedisConnection(opts.redis, {
    commandTimeoutMs: BLOCK_MS + 2_000,
    connectionName: `sy-cp-usage-${opts.replicaId}`,
  });
  // The consumer reports an outage once; without a listener ioredis would print every reconnect error.
  client.on("error", () => {});
  const logger = opts.logger.child({ component: "usage" });
  const consumer = createUsageConsumer({
    client,
    streamKey: opts.streamKey,
    group: USAGE_CONSUMER_GROUP,
    consumerName: opts.replicaId,
    batchSize: opts.batchSize,
    blockMs: BLOCK_MS,
    claimIdleMs: opts.claimIdleMs,
    sink: async (records) => {
      await usage.insertBatch(opts.db, records);
    },
    logger,
    registry: opts.registry,
  });
  consumer.start();
  logger.info({ streamKey: opts.streamKey, group: USAGE_CONSUMER_GROUP }, "usage consumer started");
  return {
    async stop() {
      await consumer.stop();
      client.disconnect();
    },
  };
}
