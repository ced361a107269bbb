import { randomBytes } from "node:crypto";
import { createDb, type Db, loadConfigRows, migrateToLatest } from "@switchyard/db";
import type { ConfigSnapshot } from "@switchyard/policy";
import { createLogger, createRegistry } from "@switchyard/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminApp } from "../../admin/app.ts";
import type { AdminDeps } from "../../admin/deps.ts";
import { createUpstreamGuard } from "../../admin/upstream-guard.ts";
import { createSecretBox } from "../../secrets/secret-box.ts";
import { snapshotFromRows } from "../../sync/snapshot-build.ts";

const TOKEN = "admin-token-for-tests-0123456789";

// Counters against real traffic and a real Redis: test/e2e/consumer-limits.test.ts. Here: the answers without one.
describe("GET /consumers/{id}/limits without a usable Redis (PGlite)", () => {
  let db: Db;
  let snapshot: ConfigSnapshot | undefined;
  const box = createSecretBox(new Map([["k1", randomBytes(32)]]), "k1");
  const appWith = (read?: AdminDeps["readLimitCounters"]) =>
    createAdminApp(
      {
        db,
        secrets: box,
        logger: createLogger({ name: "test", level: "silent" }),
        guardUpstream: createUpstreamGuard({ allowInternal: true }),
        changed: () => {},
        nodes: () => [],
        ...(read ? { readLimitCounters: read } : {}),
      },
      {
        adminTokens: [TOKEN],
        registry: createRegistry({ app: "test" }),
        ready: async () => true,
        currentSnapshot: () => (snapshot ? { version: "v", generation: 1n, config: snapshot } : undefined),
        coveredGeneration: () => -1n,
        buildVersion: "test",
      },
    );
  const get = async (app: ReturnType<typeof appWith>, id: string) => {
    const res = await app.request(`/admin/v1/consumers/${id}/limits`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    db = createDb({ pgliteMemory: true });
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await db.close();
  });

  it("answers 503 naming the missing Redis, 503 when Redis fails, 404 and 400 before either", async () => {
    const app = appWith();
    const res = await app.request("/admin/v1/consumers", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "c1" }),
    });
    const consumer = (await res.json()) as { id: string };
    snapshot = snapshotFromRows(await loadConfigRows(db), box);

    const none = await get(app, consumer.id);
    expect(none.status).toBe(503);
    expect(none.body.error).toMatchObject({ code: "unavailable", message: expect.stringContaining("no Redis") });

    const failing = appWith(async () => {
      throw new Error("Command timed out");
    });
    const down = await get(failing, consumer.id);
    expect(down.status).toBe(503);
    expect(down.body.error.message).not.toContain("timed out");

    expect((await get(app, "00000000-0000-4000-8000-000000000000")).status).toBe(404);
    const bad = await get(app, "nope");
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe("id");
  });

  it("answers an empty list for a consumer no limit applies to", async () => {
    const app = appWith(async (rules) => {
      expect(rules).toEqual([]);
      return [];
    });
    const res = await app.request("/admin/v1/consumers", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "c2" }),
    });
    const consumer = (await res.json()) as { id: string };
    const ok = await get(app, consumer.id);
    expect(ok).toMatchObject({ status: 200, body: { consumerId: consumer.id, groupId: null, data: [] } });
  });
});
