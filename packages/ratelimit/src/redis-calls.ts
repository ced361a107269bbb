import type { Cluster, Redis } from "ioredis";
import type { Breaker } from "./breaker.ts";
import { ACQUIRE_SCRIPT, ADJUST_SCRIPT, RENEW_SCRIPT } from "./engine-scripts.ts";

/** The small logging surface the engine needs; a pino logger fits. */
export interface EngineLogger {
  warn(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

type Args = (string | number)[];
type ScriptClient = {
  syLimitAcquire(...args: Args): Promise<number[][]>;
  syLimitAdjust(...args: Args): Promise<number[]>;
  syLimitRenew(...args: Args): Promise<number[]>;
};

/** Thrown when Redis does not answer within the command timeout. */
export class StoreTimeoutError extends Error {
  override name = "StoreTimeoutError";
}

/**
 * Script calls with a timeout, a breaker per shard, write batching and one log line per shard outage. `slot`
 * is the Cluster hash slot of the call's keys (ignored on a standalone Redis, which is one shard): on a
 * Cluster each master has its own breaker, so a dead master degrades only the rules whose keys it holds.
 */
export interface RedisCalls {
  readonly cluster: boolean;
  /** Whether a request-path call may go out now (in half-open state only the one probe may). */
  mayCall(slot: number): boolean;
  /** Whether the shard's breaker is open; settle and checkpoint skip Redis then without taking the probe. */
  isOpen(slot: number): boolean;
  /** Only before the first connection was ever made: waits up to one command timeout for it. */
  firstConnection(): Promise<void> | null;
  /** One acquisition: its keys and its packed arguments (see ACQUIRE_SCRIPT). */
  acquire(keys: readonly string[], packed: string, slot: number): Promise<number[]>;
  adjust(args: Args, slot: number): Promise<number[]>;
  /** Renews concurrency leases (RENEW_SCRIPT); `args` starts with the key count. */
  renew(args: Args, slot: number): Promise<number[]>;
  close(): void;
}

/** A shard's breaker and the start of its current outage (for the log lines). */
interface Shard {
  readonly name: string;
  readonly breaker: Breaker;
  outageSince: number | null;
}

/**
 * Wraps the caller's ioredis client. Scripts are defined once (`defineCommand`: EVALSHA, falling back to EVAL
 * once per connection). A call that errors or outlasts the timeout counts as a failure for its shard's breaker;
 * while that breaker is open no call is made to the shard. Commands are never queued while disconnected: a client that is not
 * ready fails the call at once, whatever its `enableOfflineQueue` says.
 */
export function createRedisCalls(
  client: Redis | Cluster,
  opts: { commandTimeoutMs: number; newBreaker: () => Breaker; logger: EngineLogger | undefined },
): RedisCalls {
  const { commandTimeoutMs, newBreaker, logger } = opts;
  const cluster = (client as { isCluster?: boolean }).isCluster === true;
  const c = client as unknown as ScriptClient & Redis;
  // ioredis keeps script definitions per client; defining again (another engine on the same client) is harmless.
  c.defineCommand("syLimitAcquire", { lua: ACQUIRE_SCRIPT });
  c.defineCommand("syLimitAdjust", { lua: ADJUST_SCRIPT });
  c.defineCommand("syLimitRenew", { lua: RENEW_SCRIPT });

  // A Cluster client connects to each node lazily, on the first command routed there; without an offline
  // queue the commands racing that first one fail. Connect every node as soon as the client learns of it.
  const warm = (node: Redis) => {
    // The cluster client reports node failures itself; a node's own connection errors would only be printed.
    if (node.listenerCount("error") === 0) node.on("error", () => {});
    if (node.status === "wait") node.connect().catch(() => {});
  };
  if (cluster) {
    client.on("+node", warm);
    for (const node of (client as Cluster).nodes("all")) warm(node);
  }
  const connected = (): boolean =>
    client.status === "ready" &&
    (!cluster || (client as Cluster).nodes("master").every((node) => node.status === "ready"));

  let everReady = connected();
  const single: Shard = { name: "", breaker: newBreaker(), outageSince: null };
  const shards = new Map<string, Shard>();
  /**
   * The shard serving a slot: on a Cluster its master (by the client's current slot map, so a failover moves
   * the slot to the new master's breaker), on a standalone Redis the one shard.
   */
  function shardOf(slot: number): Shard {
    if (!cluster) return single;
    const name = (client as Cluster).slots[slot]?.[0] ?? "unmapped";
    let shard = shards.get(name);
    if (shard === undefined) {
      shard = { name, breaker: newBreaker(), outageSince: null };
      shards.set(name, shard);
    }
    return shard;
  }
  const anyOutage = (): boolean =>
    single.outageSince !== null || [...shards.values()].some((s) => s.outageSince !== null);

  let waiting: Promise<void> | null = null;
  /** Polls briefly rather than juggling one event per node; this runs only until the first connection. */
  function firstConnection(): Promise<void> | null {
    if (everReady || anyOutage()) return null;
    if (connected()) {
      everReady = true;
      return null;
    }
    waiting ??= new Promise((resolve) => {
      const deadline = Date.now() + commandTimeoutMs;
      const timer = setInterval(() => {
        if (!connected() && Date.now() < deadline) return;
        clearInterval(timer);
        everReady ||= connected();
        waiting = null;
        resolve();
      }, 2);
    });
    return waiting;
  }

  /** A failed call; `weight` acquisitions shared it, and each counts as a failure for the shard's breaker. */
  function failed(shard: Shard, e: unknown, weight = 1): void {
    for (let i = 0; i < weight; i++) shard.breaker.failure();
    if (shard.outageSince !== null) return;
    shard.outageSince = Date.now();
    const reason = e instanceof Error ? e.message : String(e);
    logger?.warn(
      { reason, ...(cluster ? { shard: shard.name } : {}) },
      "limit engine cannot reach Redis; failure policies decide until it is back",
    );
  }

  function succeeded(shard: Shard): void {
    shard.breaker.success();
    if (shard.outageSince === null) return;
    logger?.info?.(
      { outageMs: Date.now() - shard.outageSince, ...(cluster ? { shard: shard.name } : {}) },
      "limit engine reached Redis again",
    );
    shard.outageSince = null;
  }

  /**
   * Commands issued during one event-loop turn leave in one socket write: the socket is corked at the turn's
   * first command and uncorked once the turn's I/O callbacks have run (setImmediate), so the settles of the
   * calls that ended in the turn leave together.
   * The turn's acquisitions go out as one script call right before the uncork. Cluster clients hold one
   * socket per node and are neither corked nor batched.
   */
  let corked: Redis["stream"] | null = null;
  let turnEnd = false;
  const endTurn = () => {
    sendAcquires(); // while turnEnd is still set, so this send joins the corked write instead of starting a turn
    turnEnd = false;
    const stream = corked;
    corked = null;
    stream?.uncork();
  };
  function batchWrites(): void {
    if (cluster || turnEnd) return;
    turnEnd = true;
    setImmediate(endTurn);
    const stream = (client as Redis).stream;
    if (!stream) return;
    corked = stream;
    corked.cork();
  }

  /**
   * Acquisitions of this turn, sent together at its end, or as soon as this many wait: the script runs
   * atomically, so one call must not hold Redis for long.
   */
  const MAX_ACQUIRE_BATCH = 128;
  let acquires: {
    keys: readonly string[];
    packed: string;
    resolve: (r: number[]) => void;
    reject: (e: unknown) => void;
  }[] = [];

  function sendAcquires(): void {
    const batch = acquires;
    if (batch.length === 0) return;
    acquires = [];
    // KEYS: every acquisition's keys in turn; ARGV: the count, then per acquisition its key count and its
    // packed arguments (see ACQUIRE_SCRIPT).
    const keys: string[] = [];
    const argv: (string | number)[] = [batch.length];
    for (const a of batch) {
      argv.push(a.keys.length, a.packed);
      for (const k of a.keys) keys.push(k);
    }
    run(single, () => c.syLimitAcquire(keys.length, ...keys, ...argv), batch.length).then(
      (replies) => {
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve(replies[i]!);
      },
      (e) => {
        for (const p of batch) p.reject(e);
      },
    );
  }

  function acquire(keys: readonly string[], packed: string, slot: number): Promise<number[]> {
    if (client.status !== "ready") return run(shardOf(slot), notReady);
    if (cluster) {
      return run(shardOf(slot), () => c.syLimitAcquire(keys.length, ...keys, 1, keys.length, packed)).then(
        (replies) => replies[0]!,
      );
    }
    return new Promise((resolve, reject) => {
      acquires.push({ keys, packed, resolve, reject });
      batchWrites();
      if (acquires.length >= MAX_ACQUIRE_BATCH) sendAcquires();
    });
  }

  const notReady = (): Promise<never> => Promise.reject(new Error(`Redis connection is ${client.status}`));

  function timed<T>(p: Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new StoreTimeoutError("Redis did not answer in time")), commandTimeoutMs);
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  async function run<T>(shard: Shard, send: () => Promise<T>, weight = 1): Promise<T> {
    if (client.status !== "ready") {
      const e = new Error(`Redis connection is ${client.status}`);
      failed(shard, e, weight);
      throw e;
    }
    batchWrites();
    try {
      const reply = await timed(send());
      succeeded(shard);
      return reply;
    } catch (e) {
      failed(shard, e, weight);
      throw e;
    }
  }

  return {
    cluster,
    mayCall: (slot) => shardOf(slot).breaker.allow(),
    isOpen: (slot) => shardOf(slot).breaker.isOpen(),
    firstConnection,
    acquire,
    adjust: (args, slot) => run(shardOf(slot), () => c.syLimitAdjust(...args)),
    renew: (args, slot) => run(shardOf(slot), () => c.syLimitRenew(...args)),
    close() {
      if (cluster) client.off("+node", warm);
    },
  };
}
