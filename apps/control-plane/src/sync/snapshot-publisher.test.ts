import { randomBytes } from "node:crypto";
import { versionOf } from "@switchyard/config-sync/codec";
import { apiKeys, consumers, createDb, type Db, migrateToLatest, providers, routes } from "@switchyard/db";
import type { VersionedSnapshot } from "@switchyard/policy";
import { createLogger } from "@switchyard/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretBox } from "../secrets/secret-box.ts";
import { createSnapshotPublisher, isUrgent } from "./snapshot-publisher.ts";

const until = async (check: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("snapshot publisher (PGlite)", () => {
  let db: Db;
  const box = createSecretBox(new Map([["k1", randomBytes(32)]]), "k1");
  const published: VersionedSnapshot[] = [];
  let publisher: ReturnType<typeof createSnapshotPublisher>;

  beforeAll(async () => {
    db = createDb({ pgliteMemory: true });
    await migrateToLatest(db);
    publisher = createSnapshotPublisher({
      db,
      secrets: box,
      logger: createLogger({ name: "test", level: "silent" }),
      publish: (s) => published.push(s),
      debounceMs: 5,
      pollIntervalMs: 60_000,
    });
    await publisher.start();
  });
  afterAll(async () => {
    await publisher.stop();
    await db.close();
  });

  it("publishes an empty snapshot at start with a content-hash version", () => {
    expect(published).toHaveLength(1);
    const first = published[0] as VersionedSnapshot;
    expect(first.version).toBe(versionOf(first.config));
    expect(first.config.routes).toEqual([]);
  });

  it("builds from the database after a write, decrypting credentials for the data planes", async () => {
    const p = await providers.create(db, {
      name: "up",
      kind: "openai",
      baseUrl: "https://api.example.com/v1",
      apiKey: box.seal("sk-upstream"),
      connectTimeoutMs: 1000,
      firstByteTimeoutMs: 2000,
    });
    if (!p.ok) throw new Error(p.error.message);
    const r = await routes.create(db, { alias: "m", providerId: p.value.record.id, upstreamModel: "gpt" });
    if (!r.ok) throw new Error(r.error.message);
    publisher.changed(p.value.generation);
    publisher.changed(r.value.generation);
    await publisher.settled(r.value.generation);
    const last = published.at(-1) as VersionedSnapshot;
    expect(last.generation).toBe(r.value.generation);
    expect(last.config.providers[0]?.apiKey).toBe("sk-upstream");
    expect(last.config.routes[0]?.alias).toBe("m");
    expect(Object.isFrozen(last.config)).toBe(true);
  });

  it("does not republish an identical configuration", async () => {
    const before = published.length;
    const c = await consumers.create(db, { name: "x", metadata: {}, enabled: true });
    if (!c.ok) throw new Error(c.error.message);
    const del = await consumers.remove(db, c.value.record.id, {});
    if (!del.ok) throw new Error(del.error.message);
    publisher.changed(del.value.generation);
    await publisher.settled(del.value.generation);
    // The consumer came and went: the content, and therefore the version, is what was published last.
    expect(published.length).toBeLessThanOrEqual(before + 1);
    expect(published.at(-1)?.version).toBe(published[before - 1]?.version);
  });

  it("hears writes committed elsewhere through change notifications", async () => {
    const before = published.length;
    const c = await consumers.create(db, { name: "from-another-replica", metadata: {}, enabled: true });
    if (!c.ok) throw new Error(c.error.message);
    await until(() => published.length > before);
    expect(published.at(-1)?.config.consumers.map((x) => x.name)).toContain("from-another-replica");
  });

  it("without notifications, still picks up writes committed elsewhere through the backstop poll", async () => {
    const seen: VersionedSnapshot[] = [];
    const polling = createSnapshotPublisher({
      db,
      secrets: box,
      logger: createLogger({ name: "test", level: "silent" }),
      publish: (s) => seen.push(s),
      debounceMs: 5,
      pollIntervalMs: 50,
      listen: false,
    });
    await polling.start();
    try {
      const c = await consumers.create(db, { name: "only-polled", metadata: {}, enabled: true });
      if (!c.ok) throw new Error(c.error.message);
      await until(() => seen.some((s) => s.config.consumers.some((x) => x.name === "only-polled")));
    } finally {
      await polling.stop();
    }
  });

  it("builds a key revocation at once, even while a burst is being held back", async () => {
    // A database of its own: one embedded database serves one publisher, as in local mode.
    const own = createDb({ pgliteMemory: true });
    await migrateToLatest(own);
    const c = await consumers.create(own, { name: "urgent-owner", metadata: {}, enabled: true });
    if (!c.ok) throw new Error(c.error.message);
    const key = await apiKeys.createKey(own, {
      consumerId: c.value.record.id,
      name: "k",
      prefix: "sk-sy-u",
      hash: "e".repeat(64),
    });
    if (!key.ok) throw new Error(key.error.message);
    const seen: VersionedSnapshot[] = [];
    const slow = createSnapshotPublisher({
      db: own,
      secrets: box,
      logger: createLogger({ name: "test", level: "silent" }),
      publish: (s) => seen.push(s),
      // A burst would wait up to ten seconds here; the revocation must not.
      debounceMs: 10_000,
      maxDelayMs: 10_000,
      pollIntervalMs: 60_000,
    });
    await slow.start();
    const hasKey = (s: VersionedSnapshot | undefined) => s?.config.apiKeys.some((k) => k.hash === "e".repeat(64));
    try {
      expect(hasKey(seen.at(-1))).toBe(true);
      // A lone write is built at once; the next one, inside the debounce window, is held back.
      const first = await consumers.create(own, { name: "lone", metadata: {}, enabled: true });
      if (!first.ok) throw new Error(first.error.message);
      await until(() => seen.some((s) => s.config.consumers.some((x) => x.name === "lone")));
      const held = await consumers.create(own, { name: "held-back", metadata: {}, enabled: true });
      if (!held.ok) throw new Error(held.error.message);
      await new Promise((r) => setTimeout(r, 100));
      expect(seen.at(-1)?.config.consumers.map((x) => x.name)).not.toContain("held-back");
      const started = Date.now();
      const revoked = await apiKeys.revokeKey(own, c.value.record.id, key.value.record.id);
      if (!revoked.ok) throw new Error(revoked.error.message);
      await until(() => hasKey(seen.at(-1)) === false);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await slow.stop();
      await own.close();
    }
  });

  it("treats revocations and consumer changes as urgent, other changes not", () => {
    const n = (entityKind: string, op: string) => ({ generation: 1n, entityKind, op });
    expect(isUrgent(n("api_key", "update"))).toBe(true);
    expect(isUrgent(n("consumer", "update"))).toBe(true);
    expect(isUrgent(n("consumer", "delete"))).toBe(true);
    expect(isUrgent(n("api_key", "create"))).toBe(false);
    expect(isUrgent(n("route", "update"))).toBe(false);
  });
});
