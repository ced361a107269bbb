import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type RedisInstance, startRedis } from "../../../../test/harness/index.ts";
import { createUsageRedisClient } from "../redis-client.ts";
import { testRecord } from "../test-records.ts";
import { encodeUsageRecord, type UsageRecord } from "../usage-record.ts";
import { createUsageConsumer, type UsageConsumerOptions } from "./consumer.ts";

const silent = { warn() {}, info() {} };

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return v?.value ?? 0;
}

describe("usage consumer against a real Redis", () => {
  let redis: RedisInstance;
  let admin: Redis;
  const clients: Redis[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
    admin.on("error", () => {});
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    admin?.disconnect();
    await redis?.stop();
  });

  /** A consumer whose sink stores records by request id (what the PostgreSQL insert does), counting repeats. */
  function consumer(streamKey: string, over: Partial<UsageConsumerOptions> = {}) {
    const client = createUsageRedisClient(redis.url, { commandTimeoutMs: 2_000 });
    clients.push(client);
    const stored = new Map<string, UsageRecord>();
    let deliveries = 0;
    const registry = new Registry();
    const c = createUsageConsumer({
      client,
      streamKey,
      group: "cp",
      consumerName: `cp-${clients.length}`,
      batchSize: 100,
      blockMs: 200,
      claimIdleMs: 60_000,
      sink: async (records) => {
        deliveries += records.length;
        for (const r of records) stored.set(r.requestId, r);
      },
      logger: silent,
      registry,
      retryMs: 50,
      ...over,
    });
    return { c, stored, registry, deliveries: () => deliveries };
  }

  const add = (key: string, from: number, to: number) => {
    const p = admin.pipeline();
    for (let i = from; i < to; i++) p.xadd(key, "*", ...encodeUsageRecord(testRecord(i)));
    return p.exec();
  };
  const pending = async (key: string) => ((await admin.xpending(key, "cp")) as [number])[0];

  it("reads entries written before it started and after, decoded, and acknowledges them", async () => {
    await add("c:basic", 0, 250);
    const { c, stored, registry } = consumer("c:basic");
    c.start();
    await eventually(async () => stored.size === 250);
    await add("c:basic", 250, 300);
    await eventually(async () => stored.size === 300);
    expect(stored.get("req-7")).toEqual(testRecord(7));
    await eventually(async () => (await pending("c:basic")) === 0);
    expect(await metric(registry, "switchyard_usage_records_consumed_total")).toBe(300);
    await c.stop();
  });

  it("acknowledges nothing until the sink resolves, and retries a failing sink", async () => {
    await add("c:retry", 0, 10);
    let fail = 3;
    const seen: string[] = [];
    const { c, registry } = consumer("c:retry", {
      sink: async (records) => {
        if (fail-- > 0) throw new Error("database down");
        seen.push(...records.map((r) => r.requestId));
      },
    });
    c.start();
    await eventually(async () => (await metric(registry, "switchyard_usage_sink_failures_total")) >= 1);
    expect(await pending("c:retry")).toBe(10);
    await eventually(async () => seen.length === 10);
    await eventually(async () => (await pending("c:retry")) === 0);
    await c.stop();
  });

  it("claims what a dead consumer read but never committed", async () => {
    await add("c:claim", 0, 40);
    // The first consumer reads a batch and hangs in its sink, like a control plane killed mid-commit.
    const stuck = consumer("c:claim", { batchSize: 40, sink: () => new Promise(() => {}) });
    stuck.c.start();
    await eventually(async () => (await pending("c:claim")) === 40);
    const rescuer = consumer("c:claim", { claimIdleMs: 300 });
    rescuer.c.start();
    await eventually(async () => rescuer.stored.size === 40, 10_000);
    await eventually(async () => (await pending("c:claim")) === 0);
    expect(await metric(rescuer.registry, "switchyard_usage_records_claimed_total")).toBe(40);
    await rescuer.c.stop();
    const started = Date.now();
    await stuck.c.stop(200); // its commit never returns: stop gives up on it instead of hanging
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("takes its own pending entries back at once after a restart under the same name", async () => {
    await add("c:own", 0, 20);
    const first = consumer("c:own", { consumerName: "cp-same", sink: () => new Promise(() => {}) });
    first.c.start();
    await eventually(async () => (await pending("c:own")) === 20);
    const second = consumer("c:own", { consumerName: "cp-same" });
    second.c.start();
    await eventually(async () => second.stored.size === 20, 3_000);
    await second.c.stop();
    void first.c.stop();
  });

  it("counts entries trimmed before anyone read them, exactly and once across replicas", async () => {
    await admin.call("XGROUP", "CREATE", "c:trim", "cp", "0", "MKSTREAM", "ENTRIESREAD", "0");
    await add("c:trim", 0, 30);
    const p = admin.pipeline();
    for (let i = 30; i < 100; i++) p.xadd("c:trim", "MAXLEN", "=", "25", "*", ...encodeUsageRecord(testRecord(i)));
    await p.exec();
    const a = consumer("c:trim");
    const b = consumer("c:trim");
    a.c.start();
    await eventually(async () => a.stored.size === 25);
    expect([...a.stored.keys()].sort()).toEqual(Array.from({ length: 25 }, (_, i) => `req-${75 + i}`).sort());
    expect(await metric(a.registry, "switchyard_usage_records_dropped_total", { reason: "stream_trimmed" })).toBe(75);
    // Read 25 of them, lose 20 more to the trim, then let the other replica find the gap.
    await a.c.stop();
    await add("c:trim", 100, 110);
    const q = admin.pipeline();
    for (let i = 110; i < 140; i++) q.xadd("c:trim", "MAXLEN", "=", "10", "*", ...encodeUsageRecord(testRecord(i)));
    await q.exec();
    b.c.start();
    await eventually(async () => b.stored.size === 10);
    expect(await metric(b.registry, "switchyard_usage_records_dropped_total", { reason: "stream_trimmed" })).toBe(30);
    expect(await admin.get("c:trim:dropped:cp")).toBe("105");
    await b.c.stop();
  });

  it("keeps retrying while Redis is down and resumes when it is back", async () => {
    const { c, stored } = consumer("c:outage");
    c.start();
    await add("c:outage", 0, 5);
    await eventually(async () => stored.size === 5);
    await redis.kill();
    await new Promise((r) => setTimeout(r, 300));
    await redis.start();
    await eventually(async () => admin.status === "ready" && (await admin.ping()) === "PONG", 10_000);
    await add("c:outage", 5, 15);
    await eventually(async () => stored.size === 15, 10_000);
    await c.stop();
  });
});
