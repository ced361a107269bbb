import { describe, expect, it } from "vitest";
import { parseEnv } from "./env.ts";

const full = {
  DATABASE_URL: "postgres://u@db:5432/switchyard",
  REDIS_URL: "redis://redis:6379",
  MASTER_KEY: "a".repeat(64),
  ADMIN_TOKEN: "admin-token-0123456789",
  NODE_TOKEN: "node-token-0123456789",
};

/** The settings above plus explicit plaintext for the config stream, which is refused otherwise. */
const plain = { ...full, GRPC_ALLOW_PLAINTEXT: "true" };

describe("control plane env", () => {
  it("applies the documented defaults", () => {
    const env = parseEnv(plain);
    expect(env).toMatchObject({
      SWITCHYARD_MODE: "production",
      HOST: "0.0.0.0",
      ADMIN_PORT: 8081,
      GRPC_PORT: 50051,
      METRICS_PORT: 9091,
      ALLOW_INTERNAL_UPSTREAMS: false,
      MIGRATE_ON_START: true,
      SCHEMA_WAIT_TIMEOUT_MS: 300_000,
      SNAPSHOT_DEBOUNCE_MS: 50,
      SNAPSHOT_MAX_DELAY_MS: 250,
      NODE_STATUS_FLUSH_MS: 2_000,
      USAGE_STREAM_KEY: "sy:usage",
      USAGE_BATCH_SIZE: 500,
      USAGE_CLAIM_IDLE_MS: 30_000,
      USAGE_RETENTION_DAYS: 30,
    });
    expect(() => parseEnv({ ...plain, USAGE_RETENTION_DAYS: "0" })).toThrow(/USAGE_RETENTION_DAYS: /);
    expect(() => parseEnv({ ...plain, USAGE_STREAM_KEY: "a b" })).toThrow(/USAGE_STREAM_KEY: /);
    expect(parseEnv({ ...plain, MIGRATE_ON_START: "false" }).MIGRATE_ON_START).toBe(false);
    expect(env.REPLICA_ID).toMatch(/^.+-[0-9a-f]{6}$/);
    expect(parseEnv({ ...plain, REPLICA_ID: "cp-a" }).REPLICA_ID).toBe("cp-a");
    expect(() => parseEnv({ ...plain, REPLICA_ID: "a b" })).toThrow(/REPLICA_ID: /);
  });

  it("names each missing secret outside local mode", () => {
    for (const key of Object.keys(full)) {
      const env: Record<string, string | undefined> = { ...full, [key]: undefined };
      expect(() => parseEnv(env)).toThrow(new RegExp(`${key} is required when SWITCHYARD_MODE is not local`));
    }
  });

  it("names a malformed variable without echoing secrets", () => {
    expect(() => parseEnv({ ...full, ADMIN_PORT: "eighty" })).toThrow(/ADMIN_PORT/);
    expect(() => parseEnv({ ...full, DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    try {
      parseEnv({ ...full, ADMIN_TOKEN: "short-secret" });
    } catch (e) {
      expect((e as Error).message).toMatch(/ADMIN_TOKEN/);
      expect((e as Error).message).not.toContain("short-secret");
    }
  });

  it("local mode needs no secrets, binds loopback and allows internal upstreams and a plaintext stream", () => {
    const env = parseEnv({ SWITCHYARD_MODE: "local" });
    expect(env.HOST).toBe("127.0.0.1");
    expect(env.ALLOW_INTERNAL_UPSTREAMS).toBe(true);
    expect(env.GRPC_ALLOW_PLAINTEXT).toBe(true);
  });

  it("runs the config stream over TLS unless plaintext is asked for by name", () => {
    expect(() => parseEnv(full)).toThrow(
      /GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE are required.*GRPC_ALLOW_PLAINTEXT=true/,
    );
    expect(() => parseEnv({ ...full, GRPC_TLS_CERT_FILE: "/tls/tls.crt" })).toThrow(/must be set together/);
    expect(() => parseEnv({ ...plain, GRPC_TLS_CLIENT_CA_FILE: "/tls/ca.crt" })).toThrow(/needs GRPC_TLS_CERT_FILE/);
    const tls = parseEnv({ ...full, GRPC_TLS_CERT_FILE: "/tls/tls.crt", GRPC_TLS_KEY_FILE: "/tls/tls.key" });
    expect(tls).toMatchObject({ GRPC_ALLOW_PLAINTEXT: false, GRPC_TLS_RELOAD_MS: 60_000 });
  });

  it("accepts previous node tokens for a rotation, each at least 16 characters", () => {
    expect(parseEnv(plain).NODE_TOKEN_PREVIOUS).toEqual([]);
    const two = "old-token-0123456789, older-token-0123456789";
    expect(parseEnv({ ...plain, NODE_TOKEN_PREVIOUS: two }).NODE_TOKEN_PREVIOUS).toEqual([
      "old-token-0123456789",
      "older-token-0123456789",
    ]);
    expect(() => parseEnv({ ...plain, NODE_TOKEN_PREVIOUS: "short" })).toThrow(/NODE_TOKEN_PREVIOUS: /);
  });
});
