import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  redisTlsUnsupportedReason,
  startRedis,
  startRedisCluster,
  startRedisSentinel,
  startRedisTls,
  testPki,
} from "../../../test/harness/index.ts";
import { createRedisConnection, parseRedisUrl, type RedisClient, whenRedisReady } from "./redis-connection.ts";
import { createLimiter } from "./redis-engine.ts";
import { parseRedisEnv } from "./redis-env.ts";
import { amounts, testRule } from "./test-rules.ts";

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
    const blocker = new Redis(redis.url, { retryStrategy: () => null });
    blocker.on("error", () => {});
    try {
      await ready(client);
      expect(await blocker.ping()).toBe("PONG");
      // DEBUG SLEEP stalls the single-threaded server for everyone. The blocker is connected first: on a loaded
      // machine a fresh connection took longer than the wait below, and the GET was answered before the sleep.
      const stall = blocker.debug("SLEEP", "1").catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      await expect(client.get("k")).rejects.toThrow(/timed out/i);
      expect(Date.now() - started).toBeLessThan(300);
      await stall;
    } finally {
      blocker.disconnect();
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
      // Ready means every master's connection is up, not only the slot map known (the Cluster's own "ready").
      expect(await whenRedisReady(client, 10_000)).toBe(true);
      for (let i = 0; i < 30; i++) await client.set(`key:${i}`, String(i));
      for (let i = 0; i < 30; i++) expect(await client.get(`key:${i}`)).toBe(String(i));
      expect((client as Cluster).nodes("master")).toHaveLength(3);
    } finally {
      client.disconnect();
      await cluster.stop();
    }
  }, 60_000);
});

/** A client built the way the apps build it: from REDIS_* variables through parseRedisEnv. */
function fromEnv(env: Record<string, string>): RedisClient {
  const parsed = parseRedisEnv(env);
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  const client = createRedisConnection(parsed.config!, { commandTimeoutMs: 200 });
  client.on("error", () => {});
  return client;
}

/** Two acquisitions by the limit engine through `client`: real script calls, so auth, TLS and routing all took part. */
async function limiterWorks(client: RedisClient): Promise<boolean> {
  const limiter = createLimiter({ client, commandTimeoutMs: 1_000 });
  const plan = limiter.plan([testRule("requests", 1)]);
  const first = await limiter.acquire(plan, amounts());
  const second = await limiter.acquire(plan, amounts());
  await limiter.close();
  return first.allowed && !first.degraded && !second.allowed && !second.degraded && second.reason === "rate_limit";
}

/** The error a client reports while it cannot connect (e.g. a refused handshake or login). */
const firstError = (client: RedisClient) =>
  new Promise<string>((resolve) => client.once("error", (e: Error) => resolve(e.message)));

const tlsSkip = redisTlsUnsupportedReason();
if (tlsSkip) console.warn(`skipping the Redis TLS tests: ${tlsSkip}`);

describe.skipIf(tlsSkip !== null)("createRedisConnection over TLS (real redis-server with --tls-port)", () => {
  const pki = testPki();
  const ca = pki.ca("redis-ca");
  const otherCa = pki.ca("other-ca");
  const server = pki.server(ca);
  const client = pki.client(ca, "data-plane-1");
  let redis: Awaited<ReturnType<typeof startRedisTls>>;
  beforeAll(async () => {
    // tls-auth-clients yes: the server demands a client certificate signed by its CA (mutual TLS).
    redis = await startRedisTls({ cert: server.cert, key: server.key, ca: ca.cert }, { authClients: "yes" });
  });
  afterAll(async () => {
    await redis?.stop();
    pki.cleanup();
  });
  const base = () => ({
    REDIS_URL: `rediss://127.0.0.1:${redis.port}`,
    REDIS_TLS_CA_FILE: ca.cert,
    REDIS_TLS_CERT_FILE: client.cert,
    REDIS_TLS_KEY_FILE: client.key,
  });

  it("connects with the CA and a client certificate, and the limiter works through it", async () => {
    const c = fromEnv({ ...base(), REDIS_TLS_SERVER_NAME: "localhost" });
    try {
      expect(await whenRedisReady(c, 5_000)).toBe(true);
      expect(await limiterWorks(c)).toBe(true);
    } finally {
      c.disconnect();
    }
  });

  it("refuses a server whose certificate another CA signed, or that names another host", async () => {
    const otherCaFile = fromEnv({ ...base(), REDIS_TLS_CA_FILE: otherCa.cert });
    const wrongName = fromEnv({ ...base(), REDIS_TLS_SERVER_NAME: "redis.elsewhere.example" });
    try {
      const [e1, e2] = await Promise.all([firstError(otherCaFile), firstError(wrongName)]);
      expect(e1).toMatch(/certificate/i);
      expect(e2).toMatch(/altnames|does not match|Hostname/i);
      expect(await whenRedisReady(otherCaFile, 300)).toBe(false);
      expect(await whenRedisReady(wrongName, 300)).toBe(false);
    } finally {
      otherCaFile.disconnect();
      wrongName.disconnect();
    }
  });

  it("cannot get in without the client certificate the server demands", async () => {
    const { REDIS_TLS_CERT_FILE: _c, REDIS_TLS_KEY_FILE: _k, ...noClientCert } = base();
    const c = fromEnv(noClientCert);
    try {
      expect(await whenRedisReady(c, 1_000)).toBe(false);
      await expect(c.ping()).rejects.toThrow();
    } finally {
      c.disconnect();
    }
  });
});

describe("createRedisConnection with an ACL user (AUTH username password)", () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  beforeAll(async () => {
    // The default user is off: only "gateway", limited to the sy: keys, may do anything.
    redis = await startRedis(["--user", "default", "off", "--user", "gateway", "on", ">s3cret", "~sy:*", "+@all"]);
  });
  afterAll(() => redis?.stop());

  it("logs in as the user and the limiter works within its key pattern", async () => {
    const c = fromEnv({ REDIS_URL: redis.url, REDIS_USERNAME: "gateway", REDIS_PASSWORD: "s3cret" });
    try {
      expect(await whenRedisReady(c, 5_000)).toBe(true);
      expect(await (c as Redis).acl("WHOAMI")).toBe("gateway");
      expect(await limiterWorks(c)).toBe(true);
      // The user really is confined: a key outside sy: is refused.
      await expect(c.set("other:key", "x")).rejects.toThrow(/NOPERM/);
    } finally {
      c.disconnect();
    }
  });

  it("takes the credentials from the URL as well, percent-encoded", async () => {
    const c = fromEnv({ REDIS_URL: `redis://gateway:s3cret@127.0.0.1:${redis.port}` });
    try {
      expect(await whenRedisReady(c, 5_000)).toBe(true);
      expect(await (c as Redis).acl("WHOAMI")).toBe("gateway");
    } finally {
      c.disconnect();
    }
  });

  it("reports a wrong password as an error and never becomes ready", async () => {
    const c = fromEnv({ REDIS_URL: redis.url, REDIS_USERNAME: "gateway", REDIS_PASSWORD: "wrong" });
    try {
      expect(await firstError(c)).toMatch(/WRONGPASS/);
      expect(await whenRedisReady(c, 300)).toBe(false);
    } finally {
      c.disconnect();
    }
  });
});

describe("createRedisConnection through Sentinel (real redis-server --sentinel)", () => {
  it("finds the master through a password-protected Sentinel and follows a failover", async () => {
    const master = await startRedis(["--requirepass", "data-pw", "--masterauth", "data-pw"]);
    const replica = await startRedis([
      "--requirepass",
      "data-pw",
      "--masterauth",
      "data-pw",
      "--replicaof",
      "127.0.0.1",
      String(master.port),
    ]);
    const sentinel = await startRedisSentinel({
      masterPort: master.port,
      masterPassword: "data-pw",
      password: "sentinel-pw",
    });
    const c = fromEnv({
      REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`,
      REDIS_SENTINEL_MASTER: sentinel.masterName,
      REDIS_SENTINEL_PASSWORD: "sentinel-pw",
      REDIS_PASSWORD: "data-pw",
    }) as Redis;
    try {
      expect(await whenRedisReady(c, 5_000)).toBe(true);
      expect(await limiterWorks(c)).toBe(true);
      expect(await c.config("GET", "port")).toEqual(["port", String(master.port)]);
      // Sentinel must know the replica before it can promote it.
      await eventually(async () => (await c.info("replication")).includes("connected_slaves:1"), 15_000);

      await master.kill();
      // down-after 1 s, then the failover; the client reconnects to whatever Sentinel names as master.
      await eventually(async () => {
        const port = await c.config("GET", "port");
        return port[1] === String(replica.port) && (await c.info("replication")).includes("role:master");
      }, 30_000);
      expect(await limiterWorks(c)).toBe(true);
    } finally {
      c.disconnect();
      await sentinel.stop();
      await Promise.all([master.stop(), replica.stop()]);
    }
  }, 60_000);
});
