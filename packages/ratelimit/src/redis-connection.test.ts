import { Cluster, Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { eventually, startRedis, startRedisCluster } from "../../../test/harness/index.ts";
import { createRedisConnection, parseRedisUrl } from "./redis-connection.ts";

const ready = (c: Redis | Cluster) =>
  new Promise<void>((resolve, reject) => {
    if (c.status === "ready") return resolve();
    c.once("ready", () => resolve());
    setTimeout(() => reject(new Error(`not ready: ${c.status}`)), 10_000);
  });

describe("parseRedisUrl", () => {
  it("splits host, port, database, TLS and percent-encoded credentials", () => {
    expect(parseRedisUrl("rediss://us%40r:p%3Aw@cache.example:6380/3")).toEqual({
      host: "cache.example",
      port: 6380,
      db: 3,
      tls: true,
      username: "us@r",
      password: "p:w",
    });
    expect(parseRedisUrl("redis://[::1]")).toEqual({ host: "::1", port: 6379, db: 0, tls: false });
  });
});

describe("createRedisConnection", () => {
  it("refuses a config naming no topology or several", () => {
    expect(() => createRedisConnection({})).toThrow(/exactly one of url, sentinels or clusterNodes/);
    expect(() =>
      createRedisConnection({ url: "redis://127.0.0.1:1", clusterNodes: [{ host: "127.0.0.1", port: 1 }] }),
    ).toThrow(/exactly one/);
    expect(() => createRedisConnection({ sentinels: [{ host: "127.0.0.1", port: 1 }] })).toThrow(/sentinelMasterName/);
  });

  it("fails fast while Redis is down and reconnects by itself when it is back", async () => {
    const redis = await startRedis(["--requirepass", "pw"]);
    const client = createRedisConnection(
      { url: `redis://:pw@127.0.0.1:${redis.port}/1` },
      { commandTimeoutMs: 50, connectionName: "sy-test" },
    ) as Redis;
    client.on("error", () => {});
    try {
      await ready(client);
      await client.set("k", "v");
      expect(await client.client("GETNAME")).toBe("sy-test");
      // The URL's database was selected: database 0 does not have the key.
      const other = new Redis(redis.url, { password: "pw" });
      expect(await other.get("k")).toBeNull();
      other.disconnect();

      await redis.kill();
      const started = Date.now();
      await expect(client.get("k")).rejects.toThrow();
      // No offline queue, no retries: the failure comes at once, not after a reconnect attempt.
      expect(Date.now() - started).toBeLessThan(200);

      await redis.start();
      await eventually(async () => (await client.ping()) === "PONG", 5_000);
    } finally {
      client.disconnect();
      await redis.stop();
    }
  }, 30_000);

  it("times a command out instead of waiting for a stalled server", async () => {
    const redis = await startRedis(["--enable-debug-command", "yes"]);
    const client = createRedisConnection({ url: redis.url }, { commandTimeoutMs: 50 }) as Redis;
    client.on("error", () => {});
    try {
      await ready(client);
      const blocker = new Redis(redis.url);
      // Connected first: on a loaded machine a fresh connection took longer than the wait below, and the GET
      // was answered before the server began to sleep.
      await blocker.ping();
      // DEBUG SLEEP stalls the single-threaded server for everyone.
      const stall = blocker.debug("SLEEP", "1").catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      await expect(client.get("k")).rejects.toThrow(/timed out/i);
      expect(Date.now() - started).toBeLessThan(300);
      await stall;
      blocker.disconnect();
    } finally {
      client.disconnect();
      await redis.stop();
    }
  }, 30_000);

  it("reaches every shard of a Redis Cluster from one seed node", async () => {
    const cluster = await startRedisCluster({ masters: 3 });
    const client = createRedisConnection({ clusterNodes: [cluster.nodes[0]!] }, { connectionName: "sy-cluster" });
    expect(client).toBeInstanceOf(Cluster);
    client.on("error", () => {});
    try {
      await ready(client);
      for (let i = 0; i < 30; i++) await client.set(`key:${i}`, String(i));
      for (let i = 0; i < 30; i++) expect(await client.get(`key:${i}`)).toBe(String(i));
      expect((client as Cluster).nodes("master")).toHaveLength(3);
    } finally {
      client.disconnect();
      await cluster.stop();
    }
  }, 60_000);
});
