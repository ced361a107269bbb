import { createHash, randomBytes } from "node:crypto";
import { versionOf } from "@switchyard/config-sync/codec";
import {
  apiKeys,
  applyRollback,
  consumers,
  createDb,
  type Db,
  groups,
  historyContentOf,
  limits,
  loadConfigRows,
  migrateToLatest,
  planRollback,
  prices,
  providers,
  routes,
  snapshotHistory,
} from "@switchyard/db";
import { createLogger } from "@switchyard/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type PostgresInstance, startPostgres } from "../../../../test/harness/index.ts";
import { createSecretBox } from "../secrets/secret-box.ts";
import { snapshotFromRows } from "./snapshot-build.ts";
import { createSnapshotPublisher } from "./snapshot-publisher.ts";

/** Unwraps a repository result. */
function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A new key of a consumer, as the admin API would store it. */
function keyInput(consumerId: string) {
  const hash = createHash("sha256").update(randomBytes(16)).digest("hex");
  return { consumerId, name: "k", prefix: "sk-sy-test", hash };
}

describe("incremental snapshot build (PostgreSQL)", () => {
  let pg: PostgresInstance;
  let db: Db;
  const box = createSecretBox(new Map([["k1", randomBytes(32)]]), "k1");
  const builds: { incremental: boolean; ok: boolean }[] = [];
  let publisher: ReturnType<typeof createSnapshotPublisher>;

  beforeAll(async () => {
    pg = await startPostgres();
    db = createDb({ url: await createDatabase(pg, "incremental_build") }, 5);
    await migrateToLatest(db);
    publisher = createSnapshotPublisher({
      db,
      secrets: box,
      logger: createLogger({ name: "test", level: "silent" }),
      publish: () => {},
      onBuild: (b) => builds.push({ incremental: b.incremental, ok: b.ok }),
      debounceMs: 1,
      pollIntervalMs: 60_000,
      listen: false,
      historyKeep: 50,
    });
    await publisher.start();
  }, 60_000);
  afterAll(async () => {
    await publisher?.stop();
    await db?.close();
    await pg?.stop();
  });

  /** After the write that committed `generation`: the published snapshot is what a full read builds. */
  async function matchesFullBuild(generation: bigint): Promise<void> {
    publisher.changed(generation);
    await publisher.settled(generation);
    const full = snapshotFromRows(await loadConfigRows(db), box);
    const current = publisher.current();
    expect(current?.config).toEqual(full);
    expect(current?.version).toBe(versionOf(full));
  }

  it("equals a full build after creates, updates, revocations, deletes and a rollback", async () => {
    const prov = must(
      await providers.create(db, {
        name: "up",
        kind: "openai",
        baseUrl: "https://api.example.com/v1",
        apiKey: box.seal("sk-upstream"),
        connectTimeoutMs: 1000,
        firstByteTimeoutMs: 2000,
      }),
    );
    await matchesFullBuild(prov.generation);
    const route = must(await routes.create(db, { alias: "m", providerId: prov.record.id, upstreamModel: "gpt" }));
    await matchesFullBuild(route.generation);

    const people: string[] = [];
    const keyIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const c = must(await consumers.create(db, { name: `team-${i}` }));
      people.push(c.record.id);
      for (let k = 0; k < 2; k++) {
        const key = must(await apiKeys.createKey(db, keyInput(c.record.id)));
        keyIds.push(key.record.id);
      }
      const l = must(
        await limits.create(db, {
          kind: "requests",
          window: "minute",
          scope: "consumer",
          scopeId: c.record.id,
          limit: 10 + i,
          failurePolicy: "fail-closed",
        }),
      );
      await matchesFullBuild(l.generation);
    }
    const before = publisher.current()?.version as string;

    // A route change, a revocation, a disabled consumer, a limit change.
    await matchesFullBuild(must(await routes.update(db, route.record.id, { upstreamModel: "gpt-2" })).generation);
    await matchesFullBuild(must(await apiKeys.revokeKey(db, people[0] as string, keyIds[0] as string)).generation);
    await matchesFullBuild(must(await consumers.update(db, people[1] as string, { enabled: false })).generation);
    // Not the limit of people[2], whose deletion below takes its limit with it (rows come in random id order).
    const someLimit = (await loadConfigRows(db)).limits.find((l) => l.scopeId === people[4]);
    await matchesFullBuild(must(await limits.update(db, someLimit?.id as string, { limit: 99 })).generation);

    // A consumer deleted: its keys and limit go with it, without change rows of their own.
    await matchesFullBuild(must(await consumers.remove(db, people[2] as string)).generation);
    await matchesFullBuild(must(await limits.remove(db, someLimit?.id as string)).generation);

    // Groups and prices: a member joins, a group budget, a price changes and one is removed; then a route is
    // deleted with the limit scoped to it (no change row of its own).
    const team = must(await groups.create(db, { name: "team-x" }));
    await matchesFullBuild(team.generation);
    await matchesFullBuild(
      must(await consumers.update(db, people[3] as string, { groupId: team.record.id })).generation,
    );
    const budget = must(
      await limits.create(db, {
        kind: "cost_usd",
        window: "month",
        scope: "consumer_group",
        scopeId: team.record.id,
        limit: 12.5,
        failurePolicy: "local",
      }),
    );
    await matchesFullBuild(budget.generation);
    const [p1, p2] = (await prices.list(db, { limit: 2 })).items;
    await matchesFullBuild(must(await prices.update(db, p1?.id as string, { outputPerMTok: 1.25 })).generation);
    await matchesFullBuild(must(await prices.remove(db, p2?.id as string)).generation);
    const spare = must(
      await routes.create(db, { alias: "spare", providerId: route.record.providerId, upstreamModel: "m" }),
    );
    must(
      await limits.create(db, {
        kind: "requests",
        window: "second",
        scope: "route",
        scopeId: spare.record.id,
        limit: 5,
        failurePolicy: "fail-open",
      }),
    );
    await matchesFullBuild(must(await routes.remove(db, spare.record.id)).generation);
    await matchesFullBuild(must(await consumers.update(db, people[3] as string, { groupId: null })).generation);
    must(await limits.remove(db, budget.record.id));
    await matchesFullBuild(must(await groups.remove(db, team.record.id)).generation);

    // Several writes in one build.
    const a = must(await consumers.create(db, { name: "burst-a" }));
    must(await apiKeys.createKey(db, keyInput(a.record.id)));
    must(await consumers.remove(db, people[3] as string));
    const last = must(await routes.update(db, route.record.id, { upstreamModel: "gpt-3" }));
    await matchesFullBuild(last.generation);

    // Rollback to the state before the changes: providers, routes and limits rewritten in one transaction.
    const target = await snapshotHistory.find(db, before);
    if (!target) throw new Error("history entry missing");
    const rows = await loadConfigRows(db);
    const plan = planRollback(historyContentOf(rows), target.content, {
      consumerIds: new Set(rows.consumers.map((c) => c.id)),
      groupIds: new Set(rows.groups.map((g) => g.id)),
    });
    await matchesFullBuild(must(await applyRollback(db, plan, rows.generation)).generation);
    await matchesFullBuild(must(await routes.update(db, route.record.id, { upstreamModel: "after" })).generation);

    // The provider removed with its route: the last two entities of their parts.
    await matchesFullBuild(must(await routes.remove(db, route.record.id)).generation);
    await matchesFullBuild(must(await providers.remove(db, prov.record.id)).generation);

    expect(builds[0]).toEqual({ incremental: false, ok: true });
    expect(builds.slice(1).every((b) => b.incremental && b.ok)).toBe(true);
    expect(builds.length).toBeGreaterThanOrEqual(15);
  }, 120_000);
});
