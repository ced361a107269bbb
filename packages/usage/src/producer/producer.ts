import type { Registry } from "prom-client";
import { counterOn, DROPPED_HELP, DROPPED_TOTAL, gaugeOn } from "../usage-metrics.ts";
import { encodeUsageRecord, packUsageRecord, type UsageRecord } from "../usage-record.ts";
import { reasonOf, type UsageLogger, type UsageRedis } from "../usage-redis.ts";
import { openSpool } from "./spool.ts";

/** Options for {@link createUsageProducer}. */
export interface UsageProducerOptions {
  /** Created by the caller and shared with the limiter; it should fail fast (no offline queue, a command timeout). */
  client: UsageRedis;
  /** The stream every data plane appends to (`USAGE_STREAM_KEY`). */
  streamKey: string;
  /** Approximate cap on the stream's length (`XADD MAXLEN ~`); older entries are trimmed past it. */
  maxLen: number;
  /** Folder of this process's spool file (one folder per process). */
  spoolDir: string;
  /** Byte cap of the spool file; the oldest records are dropped past it. Defaults to 64 MiB. */
  spoolMaxBytes?: number;
  /** This data plane's id, for log lines. */
  nodeId: string;
  logger: UsageLogger;
  registry: Registry;
  /** Records are written to the spool file in batches, at the latest this long after the first waits. Defaults to 200 ms. */
  spoolFlushMs?: number;
  /** How often a spooling producer checks whether Redis is back to replay. Defaults to 1 s. */
  replayIntervalMs?: number;
  /** Records per pipelined XADD batch when replaying. Defaults to 500. */
  replayBatchSize?: number;
  /**
   * Records are appended to the stream at the latest this long after the first one waits (256 at once go
   * at once): one script call carries many requests' records instead of one turn's. Defaults to 10 ms.
   */
  appendFlushMs?: number;
}

/** The data plane's side of the usage pipeline. */
export interface UsageProducer {
  /**
   * Hands one record over. Never awaits and never throws: it queues the record for the next append on the
   * shared client (within `appendFlushMs`), or (while Redis is unreachable, or while earlier records are
   * still spooled) for the spool file.
   */
  record(r: UsageRecord): void;
  /** Resolves once every record handed over so far is in the stream or in the spool file. */
  flush(): Promise<void>;
  /** Stops the timers and flushes; records still waiting are left in the spool file for the next start. */
  close(): Promise<void>;
}

/** What the request path needs of a producer: hand a record over, nothing to await. */
export type UsageRecorder = Pick<UsageProducer, "record">;

/** A producer that drops everything: local mode and data planes without Redis. */
export const NOOP_USAGE_PRODUCER: UsageProducer = {
  record() {},
  flush: async () => {},
  close: async () => {},
};

const DEFAULT_SPOOL_MAX_BYTES = 64 * 1024 * 1024;
/** A batch this large is written to the spool at once rather than after spoolFlushMs. */
const SPOOL_BATCH = 1_000;

/** Records appended by one script call at most; more waiting within the flush interval take several calls. */
const APPEND_BATCH = 256;

/**
 * Appends records to the stream, one entry each, in one call: KEYS[1] is the stream, ARGV[1] the MAXLEN cap,
 * then every record either packed into one argument (its fields joined by newlines, see `packUsageRecord`)
 * or, when a value holds a newline, as its field count followed by its fields. A packed record starts with
 * the field name "v", never a number, which tells the two apart. Returns how many entries were added.
 */
const APPEND_SCRIPT = `
local i = 2
local added = 0
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  if n then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, i + 1, i + n))
    i = i + n + 1
  else
    local fields = {}
    for field in string.gmatch(ARGV[i] .. '\\n', '(.-)\\n') do fields[#fields + 1] = field end
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
    i = i + 1
  end
  added = added + 1
end
return added
`;

type AppendClient = { syUsageAppend(...args: string[]): Promise<number> };

/**
 * Creates the producer. While Redis answers, `record` only queues the record: the records handed over within
 * `appendFlushMs` of the first are appended by one script call (one `XADD MAXLEN ~ maxLen` per record inside
 * it, so the stream stays bounded and holds one entry per record). When the client is not ready or an append
 * fails or times out, the producer switches to spooling: records are written to a JSON-lines file in batches,
 * off the request path, and every record after that (and every one still waiting) goes to the spool too, so
 * the file keeps arrival order. Once the client is ready again the file is
 * replayed in order in pipelined batches, and direct XADDs resume when it is empty. A timed-out XADD may still
 * have reached Redis, so a replayed record can be a duplicate: the consumer's insert is idempotent by request id.
 */
export function createUsageProducer(opts: UsageProducerOptions): UsageProducer {
  const { client, streamKey, logger } = opts;
  const maxLen = String(opts.maxLen);
  const spool = openSpool(opts.spoolDir, opts.spoolMaxBytes ?? DEFAULT_SPOOL_MAX_BYTES);
  const flushMs = opts.spoolFlushMs ?? 200;
  const replayBatch = opts.replayBatchSize ?? 500;
  const appendFlushMs = opts.appendFlushMs ?? 10;
  // ioredis keeps script definitions per client (EVALSHA, falling back to EVAL once per connection).
  client.defineCommand("syUsageAppend", { numberOfKeys: 1, lua: APPEND_SCRIPT });

  const produced = counterOn(
    opts.registry,
    "switchyard_usage_records_produced_total",
    "Usage records appended to the Redis stream directly.",
  );
  const appends = counterOn(
    opts.registry,
    "switchyard_usage_appends_total",
    "Script calls that appended usage records to the Redis stream (records per call: produced / appends).",
  );
  const spooled = counterOn(
    opts.registry,
    "switchyard_usage_records_spooled_total",
    "Usage records written to the local spool file because Redis could not take them.",
  );
  const replayed = counterOn(
    opts.registry,
    "switchyard_usage_records_replayed_total",
    "Spooled usage records appended to the Redis stream once Redis was back.",
  );
  const dropped = counterOn(opts.registry, DROPPED_TOTAL, DROPPED_HELP, ["reason"]);
  const spoolFull = dropped.labels("spool_full");
  const malformed = dropped.labels("malformed");
  const spoolGauge = gaugeOn(
    opts.registry,
    "switchyard_usage_spool_records",
    "Usage records waiting in the local spool file.",
  );

  let spooling = spool.lines() > 0;
  let outageSince: number | null = null;
  let closed = false;
  /** Records waiting to be written to the spool file. */
  let waiting: UsageRecord[] = [];
  /** Appends issued and not yet answered; flush() waits for them through `drained`. */
  let inflight = 0;
  let drained: (() => void)[] = [];
  /** Every spool file operation runs on this chain, one at a time. */
  let chain: Promise<void> = Promise.resolve();
  let flushTimer: NodeJS.Timeout | undefined;
  spoolGauge.set(spool.lines());
  if (spooling)
    logger.info({ nodeId: opts.nodeId, records: spool.lines() }, "usage spool found; replaying once Redis answers");

  function enterOutage(e: unknown): void {
    if (outageSince !== null) return;
    outageSince = Date.now();
    logger.warn({ reason: reasonOf(e) }, "usage records cannot reach Redis; spooling them to local disk");
  }

  function toSpool(r: UsageRecord): void {
    spooling = true;
    waiting.push(r);
    if (waiting.length >= SPOOL_BATCH) writeWaiting();
    else flushTimer ??= setTimeout(writeWaiting, flushMs);
  }

  function writeWaiting(): Promise<void> {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    chain = chain.then(async () => {
      const batch = waiting;
      waiting = [];
      if (batch.length === 0) return;
      try {
        const lost = await spool.append(batch.map((r) => JSON.stringify(r)));
        spooled.inc(batch.length);
        if (lost > 0) {
          spoolFull.inc(lost);
          logger.warn({ dropped: lost }, "usage spool is full; the oldest records were dropped");
        }
      } catch (e) {
        // A full or read-only disk: these records cannot be kept anywhere, so they are counted as lost.
        spoolFull.inc(batch.length);
        logger.warn({ reason: reasonOf(e), dropped: batch.length }, "usage spool cannot be written");
      }
      spoolGauge.set(spool.lines());
    });
    return chain;
  }

  function settled(): void {
    if (--inflight > 0 || drained.length === 0) return;
    const waiters = drained;
    drained = [];
    for (const w of waiters) w();
  }

  /** Records waiting for the next append, at most `appendFlushMs` after the first of them arrived. */
  let pending: UsageRecord[] = [];
  let appendTimer: NodeJS.Timeout | undefined;

  /**
   * The request path's only work: push the record and, for the first one waiting, arm the append. A flush
   * interval rather than the end of the event-loop turn: a Redis command costs far more CPU than a record
   * (framing, a reply to parse, a promise, a timeout timer), and a turn holds only a few requests' records.
   */
  function send(r: UsageRecord): void {
    pending.push(r);
    if (pending.length >= APPEND_BATCH) appendPending();
    else appendTimer ??= setTimeout(appendPending, appendFlushMs);
  }

  /** The waiting records, handed to whoever sends them; the armed append is cancelled. */
  function takePending(): UsageRecord[] {
    if (appendTimer !== undefined) clearTimeout(appendTimer);
    appendTimer = undefined;
    const batch = pending;
    pending = [];
    return batch;
  }

  function spoolPending(): void {
    for (const r of takePending()) toSpool(r);
  }

  /** One script call appends every pending record as its own stream entry (the consumer's format is unchanged). */
  function appendPending(): void {
    const batch = takePending();
    if (batch.length === 0) return;
    inflight++;
    const failed = (e: unknown) => {
      enterOutage(e);
      for (const r of batch) toSpool(r);
      settled();
    };
    try {
      const args: string[] = [streamKey, maxLen];
      for (const r of batch) {
        const packed = packUsageRecord(r);
        if (packed !== null) {
          args.push(packed);
          continue;
        }
        const fields = encodeUsageRecord(r);
        args.push(String(fields.length));
        for (const f of fields) args.push(f);
      }
      appends.inc();
      (client as unknown as AppendClient).syUsageAppend(...args).then(() => {
        produced.inc(batch.length);
        settled();
      }, failed);
    } catch (e) {
      // ioredis throws synchronously only for unusable arguments; the records are kept on disk rather than lost.
      failed(e);
    }
  }

  async function sendBatch(lines: string[]): Promise<void> {
    const pipeline = client.pipeline();
    let n = 0;
    for (const line of lines) {
      let r: UsageRecord;
      try {
        r = JSON.parse(line) as UsageRecord;
      } catch {
        // A line cut short by a crash mid-append.
        malformed.inc();
        continue;
      }
      pipeline.xadd(streamKey, "MAXLEN", "~", maxLen, "*", ...encodeUsageRecord(r));
      n++;
    }
    if (n === 0) return;
    const results = await pipeline.exec();
    const failed = results?.find(([e]) => e !== null)?.[0];
    if (!results || failed) throw failed ?? new Error("pipeline was not executed");
    replayed.inc(n);
  }

  /** Writes what waits to the file, then replays the file; direct XADDs resume once nothing is left. */
  async function replay(): Promise<void> {
    await writeWaiting();
    chain = chain.then(async () => {
      if (client.status !== "ready") return;
      try {
        const sent = await spool.replay(sendBatch, replayBatch);
        if (waiting.length === 0 && spool.lines() === 0) {
          spooling = false;
          logger.info(
            { replayed: sent, ...(outageSince !== null ? { outageMs: Date.now() - outageSince } : {}) },
            "usage records reach Redis again; spool replayed",
          );
          outageSince = null;
        }
      } catch (e) {
        enterOutage(e);
      }
      spoolGauge.set(spool.lines());
    });
    return chain;
  }

  const replayTimer = setInterval(() => {
    if (spooling && client.status === "ready") void replay();
  }, opts.replayIntervalMs ?? 1_000);
  replayTimer.unref();

  async function flush(): Promise<void> {
    appendPending();
    if (inflight > 0) await new Promise<void>((resolve) => drained.push(resolve));
    await writeWaiting();
  }

  return {
    record(r) {
      if (closed) return;
      try {
        if (!spooling && client.status === "ready") send(r);
        else {
          // Records still waiting for their append go first, so the spool keeps arrival order.
          if (pending.length > 0) spoolPending();
          toSpool(r);
        }
      } catch (e) {
        // ioredis throws synchronously only for unusable arguments; the record is kept on disk rather than lost.
        enterOutage(e);
        toSpool(r);
      }
    },
    flush,
    async close() {
      if (closed) return;
      clearInterval(replayTimer);
      await flush();
      closed = true;
      await chain;
    },
  };
}
