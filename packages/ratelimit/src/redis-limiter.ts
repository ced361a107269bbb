import { type Cluster, Redis } from "ioredis";
import { assertValidRule, decide, failurePolicyDecision, NO_RULES_DECISION } from "./decision.ts";
import { ruleKeyBase } from "./keys.ts";
import { createRedisConnection, type RedisClient, whenRedisReady } from "./redis-connection.ts";
import { EXPIRY_MARGIN_MS, REQUEST_LIMIT_SCRIPT } from "./request-script.ts";
import type { LimitDecision, RequestLimiter, RequestRule } from "./types.ts";

/** The small logging surface the limiter needs; a pino logger fits. */
export interface LimiterLogger {
  warn(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

/** Options for {@link createRedisLimiter}: the Redis to use, either `client` or `url`. */
export interface RedisLimiterOptions {
  /**
   * A client made by `createRedisConnection` (one server, Sentinel or Cluster, with TLS and auth). The caller
   * keeps owning it: `close()` leaves it open. Timeouts are the client's; `commandTimeoutMs` only bounds the
   * wait for the first connection.
   */
  client?: RedisClient;
  /** `redis://` URL of the shared Redis, when no `client` is given; the limiter then owns its connection. */
  url?: string;
  /** First segment of every key; defaults to "sy". */
  keyPrefix?: string;
  /** Longest wait for Redis on the request path before the failure policy decides; defaults to 100 ms. */
  commandTimeoutMs?: number;
  /** Longest wait for a TCP connection; defaults to ioredis' 10 s. */
  connectTimeoutMs?: number;
  /** Receives one warning when an outage starts (and a note when it ends), never one per request. */
  logger?: LimiterLogger;
}

type ScriptReply = number[];
type LimiterClient = (Redis | Cluster) & {
  syRequestLimit(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<ScriptReply>;
};

/**
 * A limiter backed by Redis: one script call per request covers every rule. When Redis is away or slow,
 * calls fail fast (no offline queue, no retries, a command timeout) and the rules' failure policies
 * decide, while ioredis reconnects in the background.
 */
export function createRedisLimiter(opts: RedisLimiterOptions): RequestLimiter {
  const prefix = opts.keyPrefix ?? "sy";
  const commandTimeoutMs = opts.commandTimeoutMs ?? 100;
  if ((opts.client === undefined) === (opts.url === undefined)) {
    throw new Error("createRedisLimiter needs exactly one of client or url");
  }
  const ownsClient = opts.client === undefined;
  const client = (opts.client ??
    createRedisConnection(
      { url: opts.url! },
      {
        commandTimeoutMs,
        ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
      },
    )) as LimiterClient;
  client.defineCommand("syRequestLimit", { lua: REQUEST_LIMIT_SCRIPT });

  let everReady = false;
  let outageSince: number | null = null;
  // Without a listener ioredis prints every connection error; the outage bookkeeping below replaces that.
  client.on("error", (e: Error) => noteFailure(e));

  function noteFailure(e: unknown): void {
    if (outageSince !== null) return;
    outageSince = Date.now();
    const reason = e instanceof Error ? e.message : String(e);
    opts.logger?.warn({ reason }, "rate limiter cannot reach Redis; failure policies decide until it is back");
  }

  function noteSuccess(): void {
    if (outageSince === null) return;
    opts.logger?.info?.({ outageMs: Date.now() - outageSince }, "rate limiter reached Redis again");
    outageSince = null;
  }

  /**
   * Only while the very first connection is being made: wait up to one command timeout for it (for a
   * Cluster, for every master's connection), so a process that takes traffic right after start-up is not
   * degraded for a few milliseconds. Once any failure was seen, calls fail fast instead.
   */
  let firstConnection: Promise<boolean> | null = null;
  function awaitFirstConnection(): Promise<boolean> {
    firstConnection ??= whenRedisReady(client, commandTimeoutMs);
    return firstConnection;
  }

  /**
   * The script's arguments for a rule list, built once per list: callers (the data plane) keep one frozen
   * list per consumer for the life of a snapshot, so the keys and limits are not rebuilt on every request.
   */
  const plans = new WeakMap<readonly RequestRule[], readonly (string | number)[]>();
  function planFor(rules: readonly RequestRule[]): readonly (string | number)[] {
    let plan = plans.get(rules);
    if (plan) return plan;
    const keys: string[] = [];
    const args: number[] = [EXPIRY_MARGIN_MS];
    for (const rule of rules) {
      assertValidRule(rule);
      keys.push(ruleKeyBase(prefix, rule));
      args.push(rule.limit, rule.windowMs);
    }
    plan = Object.freeze([keys.length, ...keys, ...args]);
    plans.set(rules, plan);
    return plan;
  }

  /**
   * Commands issued during one event-loop turn leave in one write: the socket is corked at the turn's first
   * check and uncorked after the turn's I/O callbacks have run (setImmediate). Under load a turn serves many
   * requests, and a write on a loopback or LAN socket costs more than everything else a check does; when
   * idle, the command still leaves at the end of the turn that issued it. A Cluster client has one socket per
   * node, so its commands are left to it.
   */
  const single = client instanceof Redis ? client : null;
  let corked: Redis["stream"] | null = null;
  const uncork = () => {
    const stream = corked;
    corked = null;
    stream?.uncork();
  };
  function batchWrites(): void {
    if (corked !== null || single === null || single.status !== "ready") return;
    corked = single.stream;
    corked.cork();
    setImmediate(uncork);
  }

  async function check(rules: readonly RequestRule[]): Promise<LimitDecision> {
    if (rules.length === 0) return NO_RULES_DECISION;
    const plan = planFor(rules);
    if (!everReady && outageSince === null) everReady = await awaitFirstConnection();
    let reply: ScriptReply;
    try {
      batchWrites();
      reply = await client.syRequestLimit(...(plan as [number, ...(string | number)[]]));
    } catch (e) {
      noteFailure(e);
      return failurePolicyDecision(rules, Date.now());
    }
    noteSuccess();
    const n = rules.length;
    return decide(rules, reply[0] === 1, reply.slice(1, 1 + n), reply.slice(1 + n, 1 + 2 * n));
  }

  return {
    check,
    async close() {
      if (!ownsClient) return;
      // QUIT lets in-flight scripts finish; when Redis is away it fails at once and we just drop the socket.
      await client.quit().catch(() => client.disconnect());
    },
  };
}
