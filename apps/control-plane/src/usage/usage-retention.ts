import { type Db, usage } from "@switchyard/db";
import type { Logger } from "@switchyard/telemetry";

/** Options for {@link startUsageRetention}. */
export interface UsageRetentionOptions {
  db: Db;
  /** Raw records older than this many days are deleted; daily totals are kept. */
  retentionDays: number;
  logger: Logger;
  /** How often the delete runs; defaults to one hour. */
  intervalMs?: number;
  /** When the first run is, after start; defaults to one minute (start-up has enough to do). */
  firstRunMs?: number;
  now?: () => number;
}

const DAY_MS = 86_400_000;

/**
 * Deletes raw usage records past the retention period, periodically. Every replica runs it; the deletes are
 * idempotent, so several replicas only repeat a cheap query.
 */
export function startUsageRetention(opts: UsageRetentionOptions): { stop(): Promise<void> } {
  const now = opts.now ?? Date.now;
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = (async () => {
      try {
        const before = new Date(now() - opts.retentionDays * DAY_MS);
        const deleted = await usage.deleteOlderThan(opts.db, before);
        if (deleted > 0)
          opts.logger.info({ deleted, before: before.toISOString() }, "usage records past retention deleted");
      } catch (e) {
        opts.logger.warn(
          { err: e instanceof Error ? e.name : "unknown" },
          "usage retention delete failed; retrying later",
        );
      }
    })();
  };
  const first = setTimeout(run, opts.firstRunMs ?? 60_000);
  const timer = setInterval(run, opts.intervalMs ?? 3_600_000);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
