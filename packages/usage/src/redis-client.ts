import { Redis } from "ioredis";

/** Options for {@link createUsageRedisClient}. */
export interface UsageRedisClientOptions {
  /** Longest wait for one command; defaults to 1 s. */
  commandTimeoutMs?: number;
}

/**
 * A Redis client for the usage pipeline, for a process that has no shared one: it fails fast while Redis is
 * away (no offline queue, no per-command retries, a command timeout) and reconnects in the background, so the
 * producer spools and the consumer backs off instead of piling up commands.
 */
export function createUsageRedisClient(url: string, opts: UsageRedisClientOptions = {}): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs ?? 1_000,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
    lazyConnect: false,
  });
  // Connection errors are reported by the producer and consumer once per outage; without a listener
  // ioredis would print each one.
  client.on("error", () => {});
  return client;
}
