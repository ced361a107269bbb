import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseEnv } from "./env.ts";

const dir = mkdtempSync(join(tmpdir(), "dp-env-"));
writeFileSync(join(dir, "node-token"), "local-node-token-0123456789\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const production = {
  CONFIG_ALLOW_PLAINTEXT: "true",
  CONTROL_PLANE_URL: "cp:50051",
  NODE_TOKEN: "production-token-0123456789",
  REDIS_URL: "redis://redis:6379",
};

describe("parseEnv", () => {
  it("fills defaults in production mode", () => {
    const env = parseEnv(production);
    expect(env).toMatchObject({
      mode: "production",
      host: "0.0.0.0",
      port: 8080,
      metricsPort: 9090,
      controlPlaneUrl: "cp:50051",
      redis: { url: "redis://redis:6379" },
      nodeLabels: {},
      logLevel: "info",
      maxRequestBodyBytes: 4 * 1024 * 1024,
      shutdownGraceMs: 25_000,
    });
    expect(env.nodeId).toMatch(/^.+-[0-9a-f]{6}$/);
  });

  it("keeps the usage spool beside the last-known-good file unless told otherwise", () => {
    const env = parseEnv({ ...production, SNAPSHOT_FILE: "/var/lib/sy/lkg.snapshot" });
    expect(env.usage).toEqual({
      streamKey: "sy:usage",
      maxLen: 1_000_000,
      spoolDir: "/var/lib/sy/usage-spool",
      spoolMaxBytes: 64 * 1024 * 1024,
    });
    expect(parseEnv({ ...production, USAGE_SPOOL_DIR: "/spool" }).usage.spoolDir).toBe("/spool");
    expect(parseEnv({ ...production, SNAPSHOT_FILE: "", SWITCHYARD_DATA_DIR: "/d" }).usage.spoolDir).toBe(
      "/d/usage-spool",
    );
    expect(() => parseEnv({ ...production, USAGE_STREAM_MAXLEN: "10" })).toThrow(/USAGE_STREAM_MAXLEN: /);
  });

  it("names every missing required variable outside local mode", () => {
    expect(() => parseEnv({})).toThrow(
      /CONTROL_PLANE_URL is required when SWITCHYARD_MODE is not local.*NODE_TOKEN is required when SWITCHYARD_MODE is not local.*REDIS_URL is required/,
    );
    expect(() => parseEnv({ ...production, NODE_TOKEN: undefined })).toThrow(
      "invalid environment: NODE_TOKEN is required when SWITCHYARD_MODE is not local",
    );
  });

  it("names the variable holding a bad value", () => {
    expect(() => parseEnv({ ...production, PORT: "http" })).toThrow(/PORT: /);
    expect(() => parseEnv({ ...production, REDIS_URL: "localhost:6379" })).toThrow(/REDIS_URL: must be a redis:\/\//);
    expect(() => parseEnv({ ...production, SWITCHYARD_MODE: "dev" })).toThrow(/SWITCHYARD_MODE: /);
    expect(() => parseEnv({ ...production, NODE_LABELS: "zone=a,broken" })).toThrow(/NODE_LABELS: "broken"/);
    expect(() => parseEnv({ ...production, MAX_REQUEST_BODY_BYTES: "12" })).toThrow(/MAX_REQUEST_BODY_BYTES: /);
    expect(() => parseEnv({ ...production, CONTROL_PLANE_URL: "ftp://cp:50051" })).toThrow(/CONTROL_PLANE_URL: /);
    expect(() => parseEnv({ ...production, CONTROL_PLANE_URL: "cp" })).toThrow(/CONTROL_PLANE_URL: /);
    for (const ok of ["cp.ns.svc:50051", "http://10.0.0.1:50051", "[::1]:50051"]) {
      expect(parseEnv({ ...production, CONTROL_PLANE_URL: ok }).controlPlaneUrl).toBe(ok);
    }
  });

  it("takes Sentinel or Cluster instead of REDIS_URL, and refuses Redis settings that contradict", () => {
    const { REDIS_URL: _, ...noUrl } = production;
    expect(parseEnv({ ...noUrl, REDIS_CLUSTER_NODES: "r1:7000,r2:7000" }).redis).toEqual({
      clusterNodes: [
        { host: "r1", port: 7000 },
        { host: "r2", port: 7000 },
      ],
    });
    expect(
      parseEnv({ ...noUrl, REDIS_SENTINELS: "s:26379", REDIS_SENTINEL_MASTER: "m", REDIS_TLS: "true" }).redis,
    ).toEqual({ sentinels: [{ host: "s", port: 26379 }], sentinelMasterName: "m", tls: {} });
    expect(() => parseEnv({ ...production, REDIS_CLUSTER_NODES: "r1:7000" })).toThrow(
      /REDIS_URL and REDIS_CLUSTER_NODES: set only one/,
    );
    expect(() => parseEnv({ ...production, REDIS_TLS_CA_FILE: "/ca.pem" })).toThrow(
      /REDIS_TLS_CA_FILE needs REDIS_TLS/,
    );
  });

  it("parses labels, node id and numbers", () => {
    const env = parseEnv({ ...production, NODE_LABELS: "zone=eu-1, tier=gold", NODE_ID: "dp-1", PORT: "8000" });
    expect(env.nodeLabels).toEqual({ zone: "eu-1", tier: "gold" });
    expect(env.nodeId).toBe("dp-1");
    expect(env.port).toBe(8000);
  });

  it("in local mode reads the node token from the data folder and ignores REDIS_URL", () => {
    const env = parseEnv({ SWITCHYARD_MODE: "local", SWITCHYARD_DATA_DIR: dir, REDIS_URL: "redis://x:1" });
    expect(env).toMatchObject({
      mode: "local",
      controlPlaneUrl: "127.0.0.1:50051",
      nodeToken: "local-node-token-0123456789",
      host: "127.0.0.1",
      redis: null,
    });
    expect(
      parseEnv({ SWITCHYARD_MODE: "local", SWITCHYARD_DATA_DIR: dir, NODE_TOKEN: "explicit-token-0123456" }).nodeToken,
    ).toBe("explicit-token-0123456");
  });

  it("in local mode without a token file says what to do", () => {
    expect(() => parseEnv({ SWITCHYARD_MODE: "local", SWITCHYARD_DATA_DIR: join(dir, "nope") })).toThrow(
      /NODE_TOKEN is not set and .*node-token cannot be read/,
    );
  });

  it("keeps the last-known-good file in the data folder unless told otherwise, and parses its key", () => {
    const env = parseEnv({ ...production, SWITCHYARD_DATA_DIR: dir });
    expect(env).toMatchObject({
      snapshotFile: join(dir, "last-known-good.snapshot"),
      snapshotKey: null,
      snapshotStartupWaitMs: 5_000,
      maxConfigStalenessMs: 0,
    });
    expect(parseEnv({ ...production, SNAPSHOT_FILE: "" }).snapshotFile).toBeNull();
    expect(parseEnv({ ...production, SNAPSHOT_FILE: "/var/lib/sy/lkg" }).snapshotFile).toBe("/var/lib/sy/lkg");
    const hex = "ab".repeat(32);
    expect(parseEnv({ ...production, SNAPSHOT_KEY: hex }).snapshotKey).toEqual(Buffer.from(hex, "hex"));
    const b64 = Buffer.alloc(32, 7).toString("base64");
    expect(parseEnv({ ...production, SNAPSHOT_KEY: b64 }).snapshotKey).toEqual(Buffer.alloc(32, 7));
    expect(() => parseEnv({ ...production, SNAPSHOT_KEY: "short" })).toThrow(/SNAPSHOT_KEY: must be 32 bytes/);
    expect(() => parseEnv({ ...production, MAX_CONFIG_STALENESS_MS: "-1" })).toThrow(/MAX_CONFIG_STALENESS_MS: /);
    expect(parseEnv({ ...production, MAX_CONFIG_STALENESS_MS: "60000" }).maxConfigStalenessMs).toBe(60_000);
  });

  it("dials the control plane over TLS unless plaintext is asked for by name; local mode asks for it", () => {
    const tls = { ...production, CONFIG_ALLOW_PLAINTEXT: undefined };
    expect(() => parseEnv(tls)).toThrow(/CONTROL_PLANE_URL must be https.*CONFIG_ALLOW_PLAINTEXT=true/);
    const env = parseEnv({
      ...tls,
      CONTROL_PLANE_URL: "https://cp.ns.svc:50051",
      CONFIG_TLS_CA_FILE: "/tls/ca.crt",
      CONFIG_TLS_CERT_FILE: "/tls/tls.crt",
      CONFIG_TLS_KEY_FILE: "/tls/tls.key",
    });
    expect(env.configTls).toEqual({ caFile: "/tls/ca.crt", certFile: "/tls/tls.crt", keyFile: "/tls/tls.key" });
    expect(() => parseEnv({ ...production, CONFIG_TLS_CERT_FILE: "/tls/tls.crt" })).toThrow(/set together/);
    expect(parseEnv({ SWITCHYARD_MODE: "local", SWITCHYARD_DATA_DIR: dir }).controlPlaneUrl).toBe("127.0.0.1:50051");
  });

  it("reads the provider network settings: internal override, proxies (lower case first), NO_PROXY, CA file", () => {
    const plain = parseEnv(production).upstreamNetwork;
    expect(plain).toEqual({ allowInternal: false, httpProxy: null, httpsProxy: null, noProxy: [], caPem: null });
    expect(parseEnv({ SWITCHYARD_MODE: "local", SWITCHYARD_DATA_DIR: dir }).upstreamNetwork.allowInternal).toBe(true);
    expect(
      parseEnv({ SWITCHYARD_MODE: "local", SWITCHYARD_DATA_DIR: dir, ALLOW_INTERNAL_UPSTREAMS: "false" })
        .upstreamNetwork.allowInternal,
    ).toBe(false);
    const net = parseEnv({
      ...production,
      ALLOW_INTERNAL_UPSTREAMS: "true",
      HTTPS_PROXY: "http://upper:3128",
      https_proxy: "http://user:p%40ss@lower:3128",
      HTTP_PROXY: "proxy.corp:8080",
      NO_PROXY: "localhost, .svc.cluster.local",
    }).upstreamNetwork;
    expect(net.allowInternal).toBe(true);
    expect(net.httpsProxy?.href).toBe("http://user:p%40ss@lower:3128/");
    expect(net.httpProxy?.href).toBe("http://proxy.corp:8080/");
    expect(net.noProxy).toEqual(["localhost", ".svc.cluster.local"]);
    expect(() => parseEnv({ ...production, HTTPS_PROXY: "socks5://p:1080" })).toThrow(/HTTPS_PROXY: must be an http/);
    expect(() => parseEnv({ ...production, ALLOW_INTERNAL_UPSTREAMS: "yes" })).toThrow(/ALLOW_INTERNAL_UPSTREAMS: /);

    const pem = join(dir, "not-a-ca.pem");
    writeFileSync(pem, "hello");
    expect(() => parseEnv({ ...production, UPSTREAM_CA_FILE: pem })).toThrow(/UPSTREAM_CA_FILE: .* holds no PEM/);
    expect(() => parseEnv({ ...production, UPSTREAM_CA_FILE: join(dir, "missing.pem") })).toThrow(
      /UPSTREAM_CA_FILE: .* cannot be read/,
    );
  });
});
