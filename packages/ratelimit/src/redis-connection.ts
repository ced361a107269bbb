import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";

/** A Redis client made by {@link createRedisConnection}: one server (direct or through Sentinel) or a Cluster. */
export type RedisClient = Redis | Cluster;

/** A host and port, as Sentinel and Cluster seed lists give them. */
export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
}

/** TLS towards Redis; file paths are read once when the connection is created. */
export interface RedisTlsConfig {
  /** PEM CA bundle that signed the server certificate; the system CAs when absent. */
  readonly caFile?: string;
  /** PEM client certificate, for servers that ask for one (`tls-auth-clients`); needs `keyFile`. */
  readonly certFile?: string;
  /** PEM private key of `certFile`. */
  readonly keyFile?: string;
  /** Name the server certificate must carry, when it differs from the host dialled (Cluster nodes are dialled by IP). */
  readonly servername?: string;
  /** Defaults to true; only tests turn certificate checks off. */
  readonly rejectUnauthorized?: boolean;
}

/**
 * Where Redis is and how to log in. Exactly one topology is given: `url` (one server), `sentinels` with
 * `sentinelMasterName` (the master Sentinel names), or `clusterNodes` (seed nodes of a Redis Cluster).
 */
export interface RedisConnectionConfig {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
  readonly url?: string;
  /** ACL user (Redis 6+); needs `password`. Overrides nothing: do not also put a user in `url`. */
  readonly username?: string;
  /** Password of `username`, or of the `default` user (`requirepass`). */
  readonly password?: string;
  /** TLS settings; present (even empty) turns TLS on; a `rediss://` URL turns it on too. */
  readonly tls?: RedisTlsConfig;
  /** Sentinel addresses; the client asks them for the current master and follows failovers. */
  readonly sentinels?: readonly RedisEndpoint[];
  /** The master name configured in Sentinel (`sentinel monitor <name> ...`). */
  readonly sentinelMasterName?: string;
  /** Password of the Sentinels themselves (`requirepass` in sentinel.conf), if they have one. */
  readonly sentinelPassword?: string;
  /** Seed nodes of a Redis Cluster; the client discovers the rest from them. */
  readonly clusterNodes?: readonly RedisEndpoint[];
}

/** Timeouts and naming for {@link createRedisConnection}. */
export interface RedisConnectionOptions {
  /** Longest wait for one command's reply before it fails; defaults to 100 ms (request-path budget). */
  readonly commandTimeoutMs?: number;
  /** Longest wait for a TCP (and TLS) connection; defaults to 3 000 ms. */
  readonly connectTimeoutMs?: number;
  /** `CLIENT SETNAME`, so `CLIENT LIST` on the server shows who holds each connection. */
  readonly connectionName?: string;
}

/** Reconnect quickly but not in a tight loop: 50 ms, 100 ms, ... capped at 1 s. */
export function reconnectDelayMs(times: number): number {
  return Math.min(times * 50, 1_000);
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read the Redis TLS ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

function tlsOptions(tls: RedisTlsConfig): ConnectionOptions {
  if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) throw new Error("Redis TLS certFile and keyFile go together");
  return {
    ...(tls.caFile ? { ca: readPem(tls.caFile, "CA") } : {}),
    ...(tls.certFile ? { cert: readPem(tls.certFile, "certificate") } : {}),
    ...(tls.keyFile ? { key: readPem(tls.keyFile, "key") } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  };
}

interface ParsedUrl {
  host: string;
  port: number;
  db: number;
  tls: boolean;
  username?: string;
  password?: string;
}

/** Splits a redis:// or rediss:// URL; credentials are percent-decoded. */
export function parseRedisUrl(url: string): ParsedUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error("the Redis URL is not a valid URL");
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:")
    throw new Error("the Redis URL must be redis:// or rediss://");
  const db = u.pathname === "" || u.pathname === "/" ? 0 : Number(u.pathname.slice(1));
  if (!Number.isInteger(db) || db < 0) throw new Error("the Redis URL's path must be a database number");
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1",
    port: u.port ? Number(u.port) : 6379,
    db,
    tls: u.protocol === "rediss:",
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

function topologyOf(config: RedisConnectionConfig): "url" | "sentinel" | "cluster" {
  const given = [
    config.url !== undefined && "url",
    (config.sentinels?.length ?? 0) > 0 && "sentinel",
    (config.clusterNodes?.length ?? 0) > 0 && "cluster",
  ].filter((t) => t !== false);
  if (given.length !== 1) throw new Error("a Redis connection needs exactly one of url, sentinels or clusterNodes");
  if (given[0] === "sentinel" && !config.sentinelMasterName) throw new Error("sentinels need sentinelMasterName");
  return given[0] as "url" | "sentinel" | "cluster";
}

/**
 * Creates a Redis client for the request path, configured to fail fast: no offline queue (a command issued
 * while disconnected fails at once instead of waiting), no per-request retries, a short command timeout, and
 * background reconnects backing off to at most 1 s. Callers decide what a failed command means (the
 * limits' failure policies); the client never hides an outage behind a queue.
 *
 * Cluster clients also do not retry a command on CLUSTERDOWN or on a lost node (they refresh the slot map
 * in the background instead), so a dead shard costs one command timeout at most, never a retry series.
 * TLS and credentials apply to every node connection, and for Sentinel to the Sentinel connections too.
 *
 * The caller owns the client: `quit()` it on shutdown. Attach an `error` listener, or ioredis logs every
 * connection error itself.
 */
export function createRedisConnection(config: RedisConnectionConfig, opts: RedisConnectionOptions = {}): RedisClient {
  const topology = topologyOf(config);
  const parsed = config.url !== undefined ? parseRedisUrl(config.url) : undefined;
  const tlsConfig = config.tls ?? (parsed?.tls ? {} : undefined);
  const tls = tlsConfig ? tlsOptions(tlsConfig) : undefined;
  const username = config.username ?? parsed?.username;
  const password = config.password ?? parsed?.password;
  if (username !== undefined && password === undefined) throw new Error("a Redis username needs a password");

  const common = {
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs ?? 100,
    connectTimeout: opts.connectTimeoutMs ?? 3_000,
    ...(opts.connectionName ? { connectionName: opts.connectionName } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(tls ? { tls } : {}),
  } satisfies RedisOptions;

  if (topology === "cluster") {
    const clusterOptions: ClusterOptions = {
      enableOfflineQueue: false,
      clusterRetryStrategy: (times) => Math.min(times * 100, 1_000),
      // The ready check sends CLUSTER INFO to a random node; a node whose connection is still being opened
      // (callers that open every node at once, like the limit engine) fails it, and the Cluster reconnects
      // from scratch, again and again. Without it the Cluster is ready once it has the slot map; a cluster
      // that is down answers CLUSTERDOWN per command, which the failure policies handle like any error.
      enableReadyCheck: false,
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 0,
      retryDelayOnTryAgain: 20,
      slotsRefreshTimeout: opts.connectTimeoutMs ?? 3_000,
      // Nodes are dialled by the name given; with TLS the certificate is checked against it, so ioredis must not
      // swap the name for an IP first (the managed services' advice).
      dnsLookup: (address, callback) => callback(null, address),
      redisOptions: common,
    };
    return new Cluster(
      config.clusterNodes!.map((n) => ({ host: n.host, port: n.port })),
      clusterOptions,
    );
  }

  const standalone: RedisOptions = { ...common, enableOfflineQueue: false, retryStrategy: reconnectDelayMs };
  if (topology === "sentinel") {
    return new Redis({
      ...standalone,
      sentinels: config.sentinels!.map((s) => ({ host: s.host, port: s.port })),
      name: config.sentinelMasterName!,
      ...(config.sentinelPassword !== undefined ? { sentinelPassword: config.sentinelPassword } : {}),
      ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
      sentinelRetryStrategy: reconnectDelayMs,
      sentinelCommandTimeout: opts.connectTimeoutMs ?? 3_000,
      // No failoverDetector: with it, ioredis 6 ended the connection for good at a failover (seen in the
      // Sentinel test); without it the client follows the failover through its normal reconnects.
    });
  }
  return new Redis({ ...standalone, host: parsed!.host, port: parsed!.port, db: parsed!.db });
}

/**
 * Resolves true once the client can serve commands, false after `timeoutMs`. For a Cluster that means every
 * master's connection is up too: ioredis opens a node's connection on the node's first command and reports
 * the Cluster ready before that, and without an offline queue the commands that find a node still
 * connecting fail. So this opens them, once the Cluster is ready (opening them earlier would fail its own
 * ready check, which goes to a random node). Meant for start-up: it polls every 5 ms.
 */
export function whenRedisReady(client: RedisClient, timeoutMs: number): Promise<boolean> {
  const ready = () => {
    if (client.status !== "ready") return false;
    if (!(client instanceof Cluster)) return true;
    const masters = client.nodes("master");
    for (const n of masters) if (n.status === "wait") n.connect().catch(() => {});
    return masters.every((n) => n.status === "ready");
  };
  if (ready()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const deadline = Date.now() + timeoutMs;
    const timer = setInterval(() => {
      if (ready()) resolve(true);
      else if (Date.now() >= deadline) resolve(false);
      else return;
      clearInterval(timer);
    }, 5);
  });
}
