import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type RedisInstance, startRedis } from "../../../../test/harness/index.ts";
import { createUsageRedisClient } from "../redis-client.ts";
import { testRecord } from "../test-records.ts";
import { decodeUsageRecord, encodeUsageRecord } from "../usage-record.ts";
import { createUsageProducer } from "./producer.ts";

const silent = { warn() {}, info() {} };

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return v?.value ?? 0;
}

describe("usage producer against a real Redis", () => {
  let redis: RedisInstance;
  const dirs: string[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function setup(streamKey: string, maxLen = 100_000) {
    const spoolDir = mkdtempSync(join(tmpdir(), "sy-usage-"));
    dirs.push(spoolDir);
    // Generous: a loaded test machine must not turn a slow reply into a spooled record (the outage tests kill
    // the server, which fails commands at once whatever the timeout).
    const client = createUsageRedisClient(redis.url, { commandTimeoutMs: 2_000 });
    const registry = new Registry();
    const make = (appendFlushMs?: number) =>
      createUsageProducer({
        client,
        streamKey,
        maxLen,
        spoolDir,
        nodeId: "dp-test",
        logger: silent,
        registry,
        spoolFlushMs: 20,
        replayIntervalMs: 50,
        ...(appendFlushMs !== undefined ? { appendFlushMs } : {}),
      });
    return { client, registry, make, spoolDir };
  }

  async function streamIds(client: ReturnType<typeof createUsageRedisClient>, key: string): Promise<string[]> {
    const entries = (await client.xrange(key, "-", "+")) as [string, string[]][];
    return entries.map(([, f]) => decodeUsageRecord(f)?.requestId ?? "?");
  }

  it("appends each record as one entry that decodes back to it, and keeps the stream near maxLen", async () => {
    const { client, registry, make } = setup("t:append", 50);
    await eventually(async () => client.status === "ready");
    const producer = make();
    producer.record(testRecord(1));
    await producer.flush();
    const entries = (await client.xrange("t:append", "-", "+")) as [string, string[]][];
    expect(entries.map(([, fields]) => decodeUsageRecord(fields))).toEqual([testRecord(1)]);
    for (let i = 2; i <= 2_000; i++) producer.record(testRecord(i));
    await producer.flush();
    // A burst this size can outlast the command timeout; what timed out is spooled and replayed, never lost.
    const sent = async () =>
      (await metric(registry, "switchyard_usage_records_produced_total")) +
      (await metric(registry, "switchyard_usage_records_replayed_total"));
    await eventually(async () => (await sent()) >= 2_000);
    // MAXLEN ~ trims whole listpack nodes (100 entries by default), so the length stays within one node of it.
    expect(await client.xlen("t:append")).toBeLessThanOrEqual(50 + 100);
    await producer.close();
    client.disconnect();
  });

  it("writes packed records and a record whose model holds a newline as the same entries, in order", async () => {
    const { client, make } = setup("t:packed", 1_000);
    await eventually(async () => client.status === "ready");
    const producer = make();
    const odd = { ...testRecord(2), model: "line one\nline two", groupId: null, costMicroUsd: null };
    const records = [testRecord(1), odd, { ...testRecord(3), streamed: false }];
    for (const r of records) producer.record(r);
    await producer.flush();
    const entries = (await client.xrange("t:packed", "-", "+")) as [string, string[]][];
    expect(entries.map(([, fields]) => fields)).toEqual(records.map(encodeUsageRecord));
    expect(entries.map(([, fields]) => decodeUsageRecord(fields))).toEqual(records);
    await producer.close();
    client.disconnect();
  });

  it("appends the records of one flush interval with one script call per 256, each as its own entry", async () => {
    const { client, make } = setup("t:batch");
    await eventually(async () => client.status === "ready");
    const producer = make(60_000);
    producer.record(testRecord(0)); // loads the script: a first EVALSHA may answer NOSCRIPT and fall back to EVAL
    await producer.flush();
    await client.config("RESETSTAT");
    // Handed over across many event-loop turns, as requests finish: still one call per 256 records.
    for (let i = 1; i <= 300; i++) {
      producer.record(testRecord(i));
      if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const stats = async () => String(await client.info("commandstats"));
    const calls = (text: string, cmd: string) => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(text)?.[1] ?? 0);
    // The first 256 went at once; the other 44 wait for the interval (a minute here) or a flush.
    await eventually(async () => calls(await stats(), "xadd") === 256);
    expect(await client.xlen("t:batch")).toBe(257);
    await producer.flush();
    const text = await stats();
    expect(calls(text, "evalsha") + calls(text, "eval")).toBe(2);
    expect(calls(text, "xadd")).toBe(300);
    expect(await streamIds(client, "t:batch")).toEqual(Array.from({ length: 301 }, (_, i) => `req-${i}`));
    await producer.close();
    client.disconnect();
  });

  it("appends a lone record once the flush interval has passed, without a flush", async () => {
    const { client, make } = setup("t:interval");
    await eventually(async () => client.status === "ready");
    const producer = make(30);
    producer.record(testRecord(1));
    await eventually(async () => (await client.xlen("t:interval")) === 1);
    await producer.close();
    client.disconnect();
  });

  it("spools while Redis is down and replays every record in order once it is back", async () => {
    const { client, registry, make } = setup("t:spool");
    await eventually(async () => client.status === "ready");
    const producer = make();
    for (let i = 0; i < 100; i++) producer.record(testRecord(i));
    await producer.flush();
    expect(await metric(registry, "switchyard_usage_records_produced_total")).toBe(100);
    await redis.kill();
    for (let i = 100; i < 600; i++) producer.record(testRecord(i)); // first ones fail on the closed socket
    await producer.flush();
    expect(await metric(registry, "switchyard_usage_records_spooled_total")).toBeGreaterThanOrEqual(500);
    await redis.start(); // empty: the 100 written before the outage are gone with the old server
    await eventually(
      async () =>
        (await metric(registry, "switchyard_usage_records_replayed_total")) === 500 &&
        (await metric(registry, "switchyard_usage_spool_records")) === 0,
      15_000,
    );
    for (let i = 600; i < 700; i++) producer.record(testRecord(i)); // direct again once the spool is empty
    await producer.flush();
    const ids = await streamIds(client, "t:spool");
    expect(ids).toEqual(Array.from({ length: 600 }, (_, i) => `req-${i + 100}`));
    expect(await metric(registry, "switchyard_usage_records_produced_total")).toBe(200);
    await producer.close();
    client.disconnect();
  });

  it("spools the records still waiting for their append ahead of later ones when Redis goes away", async () => {
    const { client, make } = setup("t:waiting");
    await eventually(async () => client.status === "ready");
    const producer = make(60_000);
    for (let i = 0; i < 5; i++) producer.record(testRecord(i)); // waiting: the interval is a minute
    await redis.kill();
    await eventually(async () => client.status !== "ready");
    for (let i = 5; i < 10; i++) producer.record(testRecord(i));
    await producer.flush();
    await redis.start();
    await eventually(async () => client.status === "ready", 15_000);
    await eventually(async () => (await streamIds(client, "t:waiting")).length === 10, 15_000);
    expect(await streamIds(client, "t:waiting")).toEqual(Array.from({ length: 10 }, (_, i) => `req-${i}`));
    await producer.close();
    client.disconnect();
  });

  it("leaves what it could not send in the spool file for the next process", async () => {
    const { client, make } = setup("t:restart");
    await eventually(async () => client.status === "ready");
    await redis.kill();
    const first = make();
    for (let i = 0; i < 50; i++) first.record(testRecord(i));
    await first.close();
    await redis.start();
    await eventually(async () => client.status === "ready", 15_000);
    const second = make();
    await eventually(async () => (await client.xlen("t:restart")) === 50, 10_000);
    expect(await streamIds(client, "t:restart")).toEqual(Array.from({ length: 50 }, (_, i) => `req-${i}`));
    await second.close();
    client.disconnect();
  });
});
