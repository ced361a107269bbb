import type { Registry } from "prom-client";
import { counterOn, DROPPED_HELP, DROPPED_TOTAL, gaugeOn } from "../usage-metrics.ts";
import { decodeUsageRecord, type UsageRecord } from "../usage-record.ts";
import { reasonOf, type UsageLogger, type UsageRedis } from "../usage-redis.ts";
import { droppedKey, raiseDropped } from "./dropped-tally.ts";
import { entriesOf, type StreamEntry, streamStateOf, trimmedUnread } from "./stream-replies.ts";

/** Options for {@link createUsageConsumer}. */
export interface UsageConsumerOptions {
  /** A client of its own (reads block for up to `blockMs`): its command timeout must be longer than `blockMs`. */
  client: UsageRedis;
  streamKey: string;
  /** The consumer group all control-plane replicas share. */
  group: string;
  /** This replica's name in the group; a stable name lets a restarted replica take its own pending entries back at once. */
  consumerName: string;
  /** Entries per read (and per `sink` call). */
  batchSize: number;
  /** How long an idle read waits for new entries. */
  blockMs: number;
  /** Entries pending this long on another consumer are taken over (that replica is presumed dead). */
  claimIdleMs: number;
  /** Commits records (PostgreSQL); entries are acknowledged only after it resolves. Must be idempotent by request id. */
  sink: (records: UsageRecord[]) => Promise<void>;
  logger: UsageLogger;
  registry: Registry;
  /** Wait after a Redis or sink failure before trying again. Defaults to 1 s. */
  retryMs?: number;
}

/** The control plane's side of the usage pipeline. */
export interface UsageConsumer {
  /** Starts the read loop; returns at once (the loop retries on its own while Redis is away). */
  start(): void;
  /**
   * Stops reading; resolves once the batch in hand is committed and acknowledged, or given up (left pending),
   * or after `timeoutMs` (default 10 s) if the commit hangs: its entries then stay pending for another replica.
   */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Creates the consumer. The loop: create the group (`XGROUP CREATE ... 0 MKSTREAM`, so entries written before
 * the first control plane started are read too), take back this consumer's own pending entries, claim entries
 * idle on other consumers (`XAUTOCLAIM`, on start and every `claimIdleMs`), then read new entries in batches.
 * Each batch goes to `sink` and is acknowledged only after it resolved, so a replica that dies between read and
 * commit leaves its entries pending for another one (or for itself after a restart): nothing is lost, and the
 * sink's idempotent insert keeps a re-read from counting twice.
 */
export function createUsageConsumer(opts: UsageConsumerOptions): UsageConsumer {
  const { client, streamKey, group, consumerName, logger } = opts;
  const retryMs = opts.retryMs ?? 1_000;
  const count = String(opts.batchSize);
  const committed = counterOn(
    opts.registry,
    "switchyard_usage_records_consumed_total",
    "Usage records committed to PostgreSQL and acknowledged on the stream.",
  );
  const sinkFailures = counterOn(
    opts.registry,
    "switchyard_usage_sink_failures_total",
    "Usage batches whose commit to PostgreSQL failed (retried).",
  );
  const claimed = counterOn(
    opts.registry,
    "switchyard_usage_records_claimed_total",
    "Usage records taken over from a consumer that left them pending past the claim idle time.",
  );
  const dropped = counterOn(opts.registry, DROPPED_TOTAL, DROPPED_HELP, ["reason"]);
  const lagGauge = gaugeOn(
    opts.registry,
    "switchyard_usage_stream_lag_records",
    "Usage records in the stream not yet delivered to the control planes (as Redis reports it).",
  );

  let stopping = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  let outageSince: number | null = null;
  let outageLogged = false;
  let groupReady = false;
  let lastClaimAt = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wake = null;
        resolve();
      }
      wake = done;
    });

  async function ensureGroup(): Promise<void> {
    try {
      // ENTRIESREAD 0: the group has read nothing, so entries trimmed before its first read count as lost.
      await client.call("XGROUP", "CREATE", streamKey, group, "0", "MKSTREAM", "ENTRIESREAD", "0");
      logger.info({ streamKey, group }, "usage consumer group created");
    } catch (e) {
      if (!reasonOf(e).startsWith("BUSYGROUP")) throw e;
    }
  }

  /** Commits one batch (retrying the sink until it succeeds or the consumer stops), then acknowledges it. */
  async function handle(entries: StreamEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const records: UsageRecord[] = [];
    let malformed = 0;
    let gone = 0;
    for (const [, fields] of entries) {
      if (fields === null) {
        gone++;
        continue;
      }
      const r = decodeUsageRecord(fields);
      if (r) records.push(r);
      else malformed++;
    }
    while (records.length > 0) {
      try {
        await opts.sink(records);
        break;
      } catch (e) {
        sinkFailures.inc();
        logger.warn({ reason: reasonOf(e), records: records.length }, "usage batch could not be committed; retrying");
        if (stopping) return; // left pending: claimed by another replica or taken back after a restart
        await sleep(retryMs);
        if (stopping) return;
      }
    }
    await client.call("XACK", streamKey, group, ...entries.map(([id]) => id));
    committed.inc(records.length);
    if (malformed > 0) {
      dropped.labels("malformed").inc(malformed);
      logger.warn({ entries: malformed }, "stream entries that are not usage records were acknowledged and skipped");
    }
    if (gone > 0) countTrimmedPending(gone);
  }

  function countTrimmedPending(n: number): void {
    dropped.labels("trimmed_pending").inc(n);
    logger.warn({ records: n }, "usage records read by a consumer that died were trimmed before anyone committed them");
  }

  /** Re-reads this consumer's own pending entries (a restart under the same name). */
  async function takeBackOwn(): Promise<void> {
    let from = "0";
    while (!stopping) {
      const reply = await client.call(
        "XREADGROUP",
        "GROUP",
        group,
        consumerName,
        "COUNT",
        count,
        "STREAMS",
        streamKey,
        from,
      );
      const entries = entriesOf(reply);
      if (entries.length === 0) return;
      await handle(entries);
      from = (entries.at(-1) as StreamEntry)[0];
    }
  }

  /** Claims and commits entries idle on other consumers longer than claimIdleMs. */
  async function claimIdle(): Promise<void> {
    lastClaimAt = Date.now();
    let cursor = "0-0";
    do {
      const [next, entries, deleted] = (await client.call(
        "XAUTOCLAIM",
        streamKey,
        group,
        consumerName,
        String(opts.claimIdleMs),
        cursor,
        "COUNT",
        count,
      )) as [string, StreamEntry[], string[] | undefined];
      if (entries.length > 0) {
        claimed.inc(entries.length);
        logger.info({ records: entries.length }, "claimed usage records left pending by another consumer");
      }
      await handle(entries);
      if (deleted && deleted.length > 0) countTrimmedPending(deleted.length);
      cursor = next;
    } while (cursor !== "0-0" && !stopping);
  }

  /**
   * Reads new entries, with the stream's and the group's state taken in the same MULTI just before the read,
   * so entries trimmed before any replica read them are counted exactly. Returns the last id in the stream
   * when nothing was read (where to wait from).
   */
  async function readNew(): Promise<string | null> {
    const replies = await client
      .multi()
      .call("XINFO", "STREAM", streamKey)
      .call("XINFO", "GROUPS", streamKey)
      .call("XREADGROUP", "GROUP", group, consumerName, "COUNT", count, "STREAMS", streamKey, ">")
      .exec();
    if (!replies) throw new Error("MULTI was discarded");
    for (const [e] of replies) if (e) throw e;
    const state = streamStateOf(replies[0]?.[1], replies[1]?.[1], group);
    if (state.lastDeliveredId === null) {
      groupReady = false; // the stream or the group was deleted: create it again
      return state.lastGeneratedId;
    }
    if (state.lag !== null) lagGauge.set(state.lag);
    const lost = trimmedUnread(state);
    if (lost !== null && lost > 0) {
      const fresh = await raiseDropped(client, droppedKey(streamKey, group), lost);
      if (fresh > 0) {
        dropped.labels("stream_trimmed").inc(fresh);
        logger.warn(
          { records: fresh },
          "usage records were trimmed from the stream before being read (raise USAGE_STREAM_MAXLEN?)",
        );
      }
    }
    const entries = entriesOf(replies[2]?.[1]);
    await handle(entries);
    return entries.length > 0 ? null : state.lastGeneratedId;
  }

  async function run(): Promise<void> {
    while (!stopping) {
      if (client.status !== "ready") {
        // Connecting or reconnecting: wait quietly, and say so once if it lasts.
        if (outageSince === null) outageSince = Date.now();
        else if (!outageLogged && Date.now() - outageSince > 2_000) {
          outageLogged = true;
          logger.warn({ status: client.status }, "usage consumer cannot reach Redis; waiting");
        }
        groupReady = false;
        await sleep(Math.min(retryMs, 100));
        continue;
      }
      try {
        if (!groupReady) {
          await ensureGroup();
          groupReady = true;
          await takeBackOwn();
          await claimIdle();
        } else if (Date.now() - lastClaimAt >= opts.claimIdleMs) {
          await claimIdle();
        }
        const waitFrom = stopping ? null : await readNew();
        if (outageSince !== null) {
          if (outageLogged) logger.info({ outageMs: Date.now() - outageSince }, "usage consumer reaches Redis again");
          outageSince = null;
          outageLogged = false;
        }
        // Nothing new: block until something is appended after the last entry (or blockMs passes).
        if (waitFrom !== null && !stopping) {
          await client.call("XREAD", "COUNT", "1", "BLOCK", String(opts.blockMs), "STREAMS", streamKey, waitFrom);
        }
      } catch (e) {
        if (stopping) break;
        outageSince ??= Date.now();
        if (!outageLogged) {
          outageLogged = true;
          logger.warn({ reason: reasonOf(e) }, "usage consumer cannot read the stream; retrying");
        }
        groupReady = false;
        await sleep(retryMs);
      }
    }
  }

  return {
    start() {
      if (loop) return;
      stopping = false;
      loop = run();
    },
    async stop(timeoutMs = 10_000) {
      stopping = true;
      wake?.();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([loop, timedOut]);
      clearTimeout(timer);
      loop = null;
    },
  };
}
