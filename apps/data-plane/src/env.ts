import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createSecureContext } from "node:tls";
import { parseRedisEnv, type RedisConnectionConfig } from "@switchyard/ratelimit/connection";
import { z } from "zod";
import { parseNoProxy } from "./upstream/no-proxy.ts";
import type { UpstreamNetwork } from "./upstream/upstream-network.ts";

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

/** "k=v,k2=v2" as a record; keys and values are kept short because they travel in every Hello. */
const labels = z
  .string()
  .default("")
  .transform((text, ctx) => {
    const out: Record<string, string> = {};
    for (const pair of text.split(",").map((p) => p.trim())) {
      if (pair === "") continue;
      const m = /^([A-Za-z0-9._/-]{1,63})=([A-Za-z0-9._:/-]{0,63})$/.exec(pair);
      if (!m) {
        ctx.addIssue({ code: "custom", message: `"${pair}" is not key=value (letters, digits, . _ - / :)` });
        return z.NEVER;
      }
      out[m[1]!] = m[2]!;
    }
    return out;
  });

const schema = z.object({
  SWITCHYARD_MODE: z.enum(["local", "production"]).default("production"),
  HOST: z.string().min(1).optional(),
  PORT: port(8080),
  METRICS_PORT: port(9090),
  CONTROL_PLANE_URL: z
    .string()
    .regex(
      /^(?:https?:\/\/)?(?:\[[0-9A-Fa-f:.]+\]|[^/\s:[\]]+):\d{1,5}\/?$/,
      "must be https://host:port, or host:port / http://host:port (plaintext)",
    )
    .optional(),
  NODE_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, "letters, digits, '.', '_' and '-', at most 128")
    .optional(),
  NODE_LABELS: labels,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  MAX_REQUEST_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(256 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(25_000),
  SWITCHYARD_DATA_DIR: z.string().min(1).default(".data"),
  SNAPSHOT_FILE: z.string().optional(),
  SNAPSHOT_KEY: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === "") return null;
      const key = parseKey(text);
      if (!key) {
        ctx.addIssue({ code: "custom", message: "must be 32 bytes as 64 hex characters or base64" });
        return z.NEVER;
      }
      return key;
    }),
  SNAPSHOT_STARTUP_WAIT_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  MAX_CONFIG_STALENESS_MS: z.coerce.number().int().min(0).default(0),
  CONFIG_KEEPALIVE_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  CONFIG_KEEPALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  LIMIT_REDIS_TIMEOUT_MS: z.coerce.number().int().min(1).max(10_000).default(50),
  LIMIT_DEFAULT_OUTPUT_TOKENS: z.coerce.number().int().min(0).max(10_000_000).default(1024),
  LIMIT_LEASE_TTL_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(600_000),
  SWITCHYARD_TEST_REJECT_ROUTE_ALIAS: z.string().min(1).optional(),
  USAGE_STREAM_KEY: z
    .string()
    .regex(/^[A-Za-z0-9:{}._-]{1,128}$/, "letters, digits and : { } . _ -, at most 128")
    .default("sy:usage"),
  USAGE_STREAM_MAXLEN: z.coerce.number().int().min(1_000).max(1_000_000_000).default(1_000_000),
  USAGE_SPOOL_DIR: z.string().min(1).optional(),
  USAGE_SPOOL_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .max(64 * 1024 * 1024 * 1024)
    .default(64 * 1024 * 1024),
  CONFIG_ALLOW_PLAINTEXT: z
    .enum(["true", "false", "1", "0"])
    .optional()
    .transform((b) => (b === undefined ? undefined : b === "true" || b === "1")),
  CONFIG_TLS_CA_FILE: z.string().min(1).optional(),
  CONFIG_TLS_CERT_FILE: z.string().min(1).optional(),
  CONFIG_TLS_KEY_FILE: z.string().min(1).optional(),
  CONFIG_TLS_SERVER_NAME: z.string().min(1).optional(),
  ALLOW_INTERNAL_UPSTREAMS: z
    .enum(["true", "false", "1", "0"])
    .optional()
    .transform((b) => (b === undefined ? undefined : b === "true" || b === "1")),
  HTTPS_PROXY: z.string().optional(),
  https_proxy: z.string().optional(),
  HTTP_PROXY: z.string().optional(),
  http_proxy: z.string().optional(),
  NO_PROXY: z.string().optional(),
  no_proxy: z.string().optional(),
  UPSTREAM_CA_FILE: z.string().min(1).optional(),
});

/** 32 key bytes from 64 hex characters or base64, or null if the text is neither. */
function parseKey(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, "hex");
  const b = Buffer.from(t, "base64");
  return b.length === 32 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(t) ? b : null;
}

/** The data plane's settings, parsed once at start-up, with local-mode defaults filled in. */
export interface DataPlaneEnv {
  mode: "local" | "production";
  host: string;
  port: number;
  metricsPort: number;
  controlPlaneUrl: string;
  nodeToken: string;
  /** Where Redis is (REDIS_* variables); null in local mode: the in-memory limiter is used and they are ignored. */
  redis: RedisConnectionConfig | null;
  nodeId: string;
  nodeLabels: Record<string, string>;
  logLevel: string;
  maxRequestBodyBytes: number;
  shutdownGraceMs: number;
  /** Where the last applied snapshot is kept, encrypted; null when SNAPSHOT_FILE is set empty (no file). */
  snapshotFile: string | null;
  /** SNAPSHOT_KEY's 32 bytes, or null to derive the file key from the node token. */
  snapshotKey: Buffer | null;
  /** How long a starting node waits for the control plane before serving the file instead. */
  snapshotStartupWaitMs: number;
  /** Past this config age the node reports not ready; 0 turns the check off. */
  maxConfigStalenessMs: number;
  /** HTTP/2 keepalive of the config stream. */
  configKeepalive: { timeMs: number; timeoutMs: number };
  /** Test hook only: snapshots with a route of this alias fail to compile (see runtime-holder.ts). */
  testRejectRouteAlias: string | null;
  /** The usage stream and this node's spool (used only when Redis is configured). */
  usage: { streamKey: string; maxLen: number; spoolDir: string; spoolMaxBytes: number };
  /** Limit enforcement settings (docs/limits.md). */
  limits: {
    /** Longest wait for Redis on the request path before failure policies decide. */
    redisTimeoutMs: number;
    /** Output tokens reserved for a call without `max_tokens` under token or cost limits. */
    defaultOutputTokens: number;
    /** How long the concurrency slots of a node that died mid-call stay taken; running calls renew theirs every third of it. */
    leaseTtlMs: number;
  };
  /** TLS files for an `https://` CONTROL_PLANE_URL. */
  configTls: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string };
  /** How providers are reached: internal-address override, outbound proxies, extra CA. */
  upstreamNetwork: UpstreamNetwork;
}

const REDIS_REQUIRED =
  "REDIS_URL is required when SWITCHYARD_MODE is not local (or REDIS_SENTINELS, or REDIS_CLUSTER_NODES)";
const LOCAL_CONTROL_PLANE_URL = "127.0.0.1:50051";

function fail(lines: string[]): never {
  throw new Error(`invalid environment: ${lines.join("; ")}`);
}

/** Local mode shares the control plane's generated node token through the data folder. */
function localNodeToken(dataDir: string): string {
  const path = join(resolve(dataDir), "node-token");
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return fail([`NODE_TOKEN is not set and ${path} cannot be read; start the control plane in local mode first`]);
  }
}

/**
 * The config stream carries decrypted provider credentials: a plaintext CONTROL_PLANE_URL is refused unless
 * CONFIG_ALLOW_PLAINTEXT says otherwise (local mode does), and a client certificate needs its key.
 */
function checkTls(v: z.infer<typeof schema>, url: string, allowPlaintext: boolean): string | null {
  if (Boolean(v.CONFIG_TLS_CERT_FILE) !== Boolean(v.CONFIG_TLS_KEY_FILE)) {
    return "CONFIG_TLS_CERT_FILE and CONFIG_TLS_KEY_FILE must be set together";
  }
  if (!/^https:\/\//i.test(url) && !allowPlaintext) {
    return "CONTROL_PLANE_URL must be https://host:port (the config stream carries provider credentials); set CONFIG_ALLOW_PLAINTEXT=true to dial it without TLS";
  }
  return null;
}

/**
 * A proxy variable as a URL: empty is none, a bare `host:port` means `http://host:port` (as curl reads it), and
 * only `http://` and `https://` proxies are accepted. Problems name the variable.
 */
function proxyUrl(name: string, value: string | undefined, problems: string[]): URL | null {
  if (value === undefined || value.trim() === "") return null;
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim()) ? value.trim() : `http://${value.trim()}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push(`${name}: not a URL`);
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    problems.push(`${name}: must be an http:// or https:// proxy`);
    return null;
  }
  return url;
}

/** UPSTREAM_CA_FILE's PEM text, checked to hold certificates Node can load. */
function upstreamCaPem(file: string | undefined, problems: string[]): string | null {
  if (file === undefined) return null;
  let pem: string;
  try {
    pem = readFileSync(resolve(file), "utf8");
  } catch {
    problems.push(`UPSTREAM_CA_FILE: ${file} cannot be read`);
    return null;
  }
  try {
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no certificate");
    createSecureContext({ ca: pem });
  } catch {
    problems.push(`UPSTREAM_CA_FILE: ${file} holds no PEM certificate`);
    return null;
  }
  return pem;
}

/**
 * The provider network settings. The lower-case proxy variables win over the upper-case ones, as in curl and
 * undici; HTTPS_PROXY serves https:// providers and HTTP_PROXY http:// ones.
 */
function upstreamNetwork(v: z.infer<typeof schema>, local: boolean): UpstreamNetwork {
  const problems: string[] = [];
  const network: UpstreamNetwork = {
    allowInternal: v.ALLOW_INTERNAL_UPSTREAMS ?? local,
    httpsProxy: proxyUrl(
      v.https_proxy !== undefined ? "https_proxy" : "HTTPS_PROXY",
      v.https_proxy ?? v.HTTPS_PROXY,
      problems,
    ),
    httpProxy: proxyUrl(
      v.http_proxy !== undefined ? "http_proxy" : "HTTP_PROXY",
      v.http_proxy ?? v.HTTP_PROXY,
      problems,
    ),
    noProxy: parseNoProxy(v.no_proxy ?? v.NO_PROXY),
    caPem: upstreamCaPem(v.UPSTREAM_CA_FILE, problems),
  };
  if (problems.length > 0) fail(problems);
  return network;
}

/**
 * Parses and checks the environment. Outside local mode the control plane address, node token and Redis URL
 * are required, so a pod whose Secret lost a key fails at start-up instead of serving without limits.
 * Throws an Error naming each bad variable.
 */
export function parseEnv(env: Record<string, string | undefined>): DataPlaneEnv {
  const parsed = schema.safeParse(env);
  const redis = parseRedisEnv(env);
  if (!parsed.success || !redis.ok) {
    fail([
      ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)),
      ...(redis.ok ? [] : redis.problems),
    ]);
  }
  const v = parsed.data;
  const local = v.SWITCHYARD_MODE === "local";
  if (!local) {
    const missing = (["CONTROL_PLANE_URL", "NODE_TOKEN"] as const).filter((k) => !v[k]);
    const lines = missing.map((k) => `${k} is required when SWITCHYARD_MODE is not local`);
    if (redis.config === null) lines.push(REDIS_REQUIRED);
    if (lines.length > 0) fail(lines);
  }
  const controlPlaneUrl = v.CONTROL_PLANE_URL ?? LOCAL_CONTROL_PLANE_URL;
  const tlsProblem = checkTls(v, controlPlaneUrl, v.CONFIG_ALLOW_PLAINTEXT ?? local);
  if (tlsProblem) fail([tlsProblem]);
  const snapshotFile =
    v.SNAPSHOT_FILE === undefined
      ? join(resolve(v.SWITCHYARD_DATA_DIR), "last-known-good.snapshot")
      : v.SNAPSHOT_FILE === ""
        ? null
        : resolve(v.SNAPSHOT_FILE);
  return {
    mode: v.SWITCHYARD_MODE,
    // Local mode listens on loopback only, like the control plane it runs beside.
    host: v.HOST ?? (local ? "127.0.0.1" : "0.0.0.0"),
    port: v.PORT,
    metricsPort: v.METRICS_PORT,
    controlPlaneUrl,
    nodeToken: v.NODE_TOKEN ?? localNodeToken(v.SWITCHYARD_DATA_DIR),
    redis: local ? null : redis.config,
    nodeId: v.NODE_ID ?? `${hostname()}-${randomBytes(3).toString("hex")}`,
    nodeLabels: v.NODE_LABELS,
    logLevel: v.LOG_LEVEL,
    maxRequestBodyBytes: v.MAX_REQUEST_BODY_BYTES,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
    snapshotFile,
    snapshotKey: v.SNAPSHOT_KEY,
    snapshotStartupWaitMs: v.SNAPSHOT_STARTUP_WAIT_MS,
    maxConfigStalenessMs: v.MAX_CONFIG_STALENESS_MS,
    configKeepalive: { timeMs: v.CONFIG_KEEPALIVE_MS, timeoutMs: v.CONFIG_KEEPALIVE_TIMEOUT_MS },
    testRejectRouteAlias: v.SWITCHYARD_TEST_REJECT_ROUTE_ALIAS ?? null,
    usage: {
      streamKey: v.USAGE_STREAM_KEY,
      maxLen: v.USAGE_STREAM_MAXLEN,
      // Beside the last-known-good file: the folder this node already keeps its state in.
      spoolDir: resolve(
        v.USAGE_SPOOL_DIR ?? join(snapshotFile ? dirname(snapshotFile) : resolve(v.SWITCHYARD_DATA_DIR), "usage-spool"),
      ),
      spoolMaxBytes: v.USAGE_SPOOL_MAX_BYTES,
    },
    limits: {
      redisTimeoutMs: v.LIMIT_REDIS_TIMEOUT_MS,
      defaultOutputTokens: v.LIMIT_DEFAULT_OUTPUT_TOKENS,
      leaseTtlMs: v.LIMIT_LEASE_TTL_MS,
    },
    configTls: {
      ...(v.CONFIG_TLS_CA_FILE ? { caFile: v.CONFIG_TLS_CA_FILE } : {}),
      ...(v.CONFIG_TLS_CERT_FILE ? { certFile: v.CONFIG_TLS_CERT_FILE } : {}),
      ...(v.CONFIG_TLS_KEY_FILE ? { keyFile: v.CONFIG_TLS_KEY_FILE } : {}),
      ...(v.CONFIG_TLS_SERVER_NAME ? { serverName: v.CONFIG_TLS_SERVER_NAME } : {}),
    },
    upstreamNetwork: upstreamNetwork(v, local),
  };
}
