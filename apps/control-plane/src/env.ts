import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { parseRedisEnv, type RedisConnectionConfig } from "@switchyard/ratelimit/connection";
import { z } from "zod";

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
/** A boolean flag whose default depends on the mode, so an absent value stays undefined. */
const optionalBool = z
  .enum(["true", "false", "1", "0"])
  .optional()
  .transform((v) => (v === undefined ? undefined : v === "true" || v === "1"));

const schema = z.object({
  SWITCHYARD_MODE: z.enum(["local", "production"]).default("production"),
  HOST: z.string().min(1).optional(),
  ADMIN_PORT: port(8081),
  GRPC_PORT: port(50051),
  METRICS_PORT: port(9091),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  NODE_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  NODE_TOKEN_PREVIOUS: z
    .string()
    .default("")
    .transform((text, ctx) => {
      const tokens = text
        .split(",")
        .map((t) => t.trim())
        .filter((t) => t !== "");
      if (tokens.some((t) => t.length < 16)) {
        ctx.addIssue({ code: "custom", message: "each token must be at least 16 characters" });
        return z.NEVER;
      }
      return tokens;
    }),
  GRPC_TLS_CERT_FILE: z.string().min(1).optional(),
  GRPC_TLS_KEY_FILE: z.string().min(1).optional(),
  GRPC_TLS_CLIENT_CA_FILE: z.string().min(1).optional(),
  GRPC_TLS_RELOAD_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  GRPC_ALLOW_PLAINTEXT: optionalBool,
  MASTER_KEY: z.string().optional(),
  MASTER_KEY_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/)
    .default("k1"),
  ALLOW_INTERNAL_UPSTREAMS: optionalBool,
  MIGRATE_ON_START: optionalBool,
  SCHEMA_WAIT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(300_000),
  SNAPSHOT_DEBOUNCE_MS: z.coerce.number().int().min(0).max(10_000).default(50),
  SNAPSHOT_MAX_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(250),
  SNAPSHOT_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  SNAPSHOT_HISTORY_KEEP: z.coerce.number().int().min(0).max(100_000).default(100),
  GRPC_KEEPALIVE_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  GRPC_KEEPALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  NODE_STATUS_FLUSH_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  REPLICA_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, "letters, digits, '.', '_' and '-', at most 128")
    .optional(),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  SWITCHYARD_DATA_DIR: z.string().min(1).default(".data"),
  USAGE_STREAM_KEY: z
    .string()
    .regex(/^[A-Za-z0-9:{}._-]{1,128}$/, "letters, digits and : { } . _ -, at most 128")
    .default("sy:usage"),
  USAGE_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  USAGE_CLAIM_IDLE_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  USAGE_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(30),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

/** The control plane's settings, parsed once at start-up. */
export type ControlPlaneEnv = z.infer<typeof schema> & {
  HOST: string;
  GRPC_ALLOW_PLAINTEXT: boolean;
  REPLICA_ID: string;
  ALLOW_INTERNAL_UPSTREAMS: boolean;
  MIGRATE_ON_START: boolean;
  /** Where Redis is (the REDIS_* variables, shared with the data plane); null only in local mode when none is set. */
  redis: RedisConnectionConfig | null;
};

/**
 * The config stream carries decrypted provider credentials, so it runs over TLS unless plaintext was asked for
 * by name (local mode asks for it). A half-configured certificate is an error either way.
 */
function checkTls(v: z.infer<typeof schema>, allowPlaintext: boolean): string | null {
  if (Boolean(v.GRPC_TLS_CERT_FILE) !== Boolean(v.GRPC_TLS_KEY_FILE)) {
    return "GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE must be set together";
  }
  if (v.GRPC_TLS_CLIENT_CA_FILE && !v.GRPC_TLS_CERT_FILE) {
    return "GRPC_TLS_CLIENT_CA_FILE needs GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE";
  }
  if (!v.GRPC_TLS_CERT_FILE && !allowPlaintext) {
    return "GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE are required (the config stream carries provider credentials); set GRPC_ALLOW_PLAINTEXT=true to run it without TLS";
  }
  return null;
}

const REQUIRED_OUTSIDE_LOCAL = ["DATABASE_URL", "MASTER_KEY", "ADMIN_TOKEN", "NODE_TOKEN"] as const;
const REDIS_REQUIRED =
  "REDIS_URL is required when SWITCHYARD_MODE is not local (or REDIS_SENTINELS, or REDIS_CLUSTER_NODES)";

/**
 * Parses and checks the environment. Outside local mode every secret and URL is required, so a pod whose
 * Secret lost a key fails loudly instead of coming up empty. Throws an Error naming each bad variable.
 */
export function parseEnv(env: Record<string, string | undefined>): ControlPlaneEnv {
  const parsed = schema.safeParse(env);
  const redis = parseRedisEnv(env);
  if (!parsed.success || !redis.ok) {
    const lines = [
      ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)),
      ...(redis.ok ? [] : redis.problems),
    ];
    throw new Error(`invalid environment: ${lines.join("; ")}`);
  }
  const v = parsed.data;
  if (v.SWITCHYARD_MODE !== "local") {
    const lines = REQUIRED_OUTSIDE_LOCAL.filter((k) => !v[k]).map(
      (k) => `${k} is required when SWITCHYARD_MODE is not local`,
    );
    if (redis.config === null) lines.push(REDIS_REQUIRED);
    if (lines.length > 0) throw new Error(`invalid environment: ${lines.join("; ")}`);
  }
  const local = v.SWITCHYARD_MODE === "local";
  const allowPlaintext = v.GRPC_ALLOW_PLAINTEXT ?? local;
  const tlsProblem = checkTls(v, allowPlaintext);
  if (tlsProblem) throw new Error(`invalid environment: ${tlsProblem}`);
  // Local mode listens on loopback only: its secrets are generated files, not something to expose.
  return {
    ...v,
    HOST: v.HOST ?? (local ? "127.0.0.1" : "0.0.0.0"),
    REPLICA_ID: v.REPLICA_ID ?? `${hostname()}-${randomBytes(3).toString("hex")}`,
    ALLOW_INTERNAL_UPSTREAMS: v.ALLOW_INTERNAL_UPSTREAMS ?? local,
    MIGRATE_ON_START: v.MIGRATE_ON_START ?? true,
    GRPC_ALLOW_PLAINTEXT: allowPlaintext,
    redis: redis.config,
  };
}
