import { randomBytes } from "node:crypto";
import { createDb, type Db, migrateToLatest } from "@switchyard/db";
import { createLogger, createRegistry } from "@switchyard/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminApp } from "../../admin/app.ts";
import { createUpstreamGuard } from "../../admin/upstream-guard.ts";
import { createSecretBox } from "../../secrets/secret-box.ts";
import { createSnapshotPublisher, type SnapshotPublisher } from "../../sync/snapshot-publisher.ts";

const TOKEN = "admin-token-for-tests-0123456789";
const json = (res: Response): Promise<any> => res.json();

describe("snapshot history and rollback (PGlite)", () => {
  let db: Db;
  let publisher: SnapshotPublisher;
  let app: ReturnType<typeof createAdminApp>;
  const box = createSecretBox(new Map([["k1", randomBytes(32)]]), "k1");

  beforeAll(async () => {
    db = createDb({ pgliteMemory: true });
    await migrateToLatest(db);
    const logger = createLogger({ name: "test", level: "silent" });
    publisher = createSnapshotPublisher({
      db,
      secrets: box,
      logger,
      publish: () => {},
      debounceMs: 0,
      pollIntervalMs: 60_000,
      historyKeep: 50,
    });
    await publisher.start();
    app = createAdminApp(
      {
        db,
        secrets: box,
        logger,
        guardUpstream: createUpstreamGuard({ allowInternal: true }),
        changed: (g) => publisher.changed(g),
        nodes: () => [],
      },
      {
        adminTokens: [TOKEN],
        registry: createRegistry({ app: "test" }),
        ready: async () => true,
        currentSnapshot: () => publisher.current(),
        coveredGeneration: () => publisher.coveredGeneration(),
        buildVersion: "test",
      },
    );
  });
  afterAll(async () => {
    await publisher.stop();
    await db.close();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(`/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const generation = res.headers.get("x-config-generation");
    if (generation) await publisher.settled(BigInt(generation));
    return res;
  };
  const published = async () => (await json(await call("GET", "/snapshot"))).version as string;

  let v1 = "";
  let routeId = "";
  let providerId = "";

  it("records each published snapshot and lists them newest first with counts", async () => {
    const p = await json(
      await call("POST", "/providers", { name: "up", kind: "openai", baseUrl: "https://a.example/v1", apiKey: "sk-1" }),
    );
    providerId = p.id;
    const r = await json(await call("POST", "/routes", { alias: "gpt", providerId, upstreamModel: "m1" }));
    routeId = r.id;
    v1 = await published();
    const list = await json(await call("GET", "/snapshots?limit=2"));
    expect(list.data[0]).toMatchObject({ version: v1, counts: { providers: 1, routes: 1, limits: 0, apiKeys: 0 } });
    expect(list.data).toHaveLength(2);
    expect(list.nextCursor).toMatch(/^\d+$/);
    const older = await json(await call("GET", `/snapshots?cursor=${list.nextCursor}`));
    expect(older.data.map((e: { version: string }) => e.version)).not.toContain(v1);
    expect((await call("GET", "/snapshots?cursor=abc")).status).toBe(400);

    const one = await json(await call("GET", `/snapshots/${v1.slice(0, 12)}`));
    expect(one.providers).toEqual([expect.objectContaining({ name: "up", hasApiKey: true })]);
    expect(JSON.stringify(one)).not.toContain("ciphertext");
    expect((await call("GET", `/snapshots/${"0".repeat(64)}`)).status).toBe(404);
  });

  it("diffs two versions, showing a changed credential without its value", async () => {
    await call("PATCH", `/routes/${routeId}`, { upstreamModel: "m2" });
    await call("PATCH", `/providers/${providerId}`, { apiKey: "sk-2", connectTimeoutMs: 999 });
    const v2 = await published();
    const diff = await json(await call("GET", `/snapshots/${v1}/diff?to=${v2}`));
    expect(diff.changes.routes.changed).toEqual([{ id: routeId, fields: { upstreamModel: { from: "m1", to: "m2" } } }]);
    expect(diff.changes.providers.changed[0].fields).toMatchObject({
      apiKey: { from: "set", to: "changed" },
      connectTimeoutMs: { to: 999 },
    });
    expect(JSON.stringify(diff)).not.toContain("sk-2");
  });

  it("records a key change with the policy part it reuses and the new counts", async () => {
    const before = await json(await call("GET", `/snapshots/${await published()}`));
    const consumer = await json(await call("POST", "/consumers", { name: "hist" }));
    await call("POST", `/consumers/${consumer.id}/keys`, { name: "k" });
    const v = await published();
    const list = await json(await call("GET", "/snapshots?limit=1"));
    expect(list.data[0]).toMatchObject({ version: v, counts: { consumers: 1, apiKeys: 1, providers: 1, routes: 1 } });
    const after = await json(await call("GET", `/snapshots/${v}`));
    expect(after.providers).toEqual(before.providers);
    expect(after.routes).toEqual(before.routes);
    await call("DELETE", `/consumers/${consumer.id}`);
  });

  it("previews a rollback, then applies it in one write that later writes build on", async () => {
    const c = await json(await call("POST", "/consumers", { name: "keep-me" }));
    const key = await json(await call("POST", `/consumers/${c.id}/keys`, { name: "k" }));
    const preview = await json(await call("POST", `/snapshots/${v1}/rollback`, { preview: true }));
    expect(preview).toMatchObject({ preview: true, version: v1, basedOnGeneration: expect.stringMatching(/^\d+$/) });
    expect(preview.changes.routes.changed[0].fields.upstreamModel).toEqual({ from: "m2", to: "m1" });
    expect(await published()).not.toBe(v1);

    // A write after the preview makes the preview stale.
    await call("POST", "/consumers", { name: "meanwhile" });
    const stale = await call("POST", `/snapshots/${v1}/rollback`, { expectGeneration: preview.basedOnGeneration });
    expect(stale.status).toBe(412);

    const done = await call("POST", `/snapshots/${v1}/rollback`, {});
    expect(done.status).toBe(200);
    expect(done.headers.get("x-config-generation")).toMatch(/^\d+$/);
    const snap = publisher.current();
    expect(snap?.config.routes[0]?.upstreamModel).toBe("m1");
    expect(snap?.config.providers[0]?.apiKey).toBe("sk-1");
    expect(snap?.config.providers[0]?.connectTimeoutMs).not.toBe(999);
    // Consumers and keys are never rolled back.
    expect(snap?.config.consumers.map((x) => x.name).sort()).toEqual(["keep-me", "meanwhile"]);
    expect(snap?.config.apiKeys.map((k) => k.id)).toEqual([key.id]);
    // The rows themselves changed: the route's ETag moved on and a later write starts from the rollback.
    const route = await call("GET", `/routes/${routeId}`);
    expect((await json(route)).upstreamModel).toBe("m1");
    await call("PATCH", `/routes/${routeId}`, { alias: "gpt-renamed" });
    expect(publisher.current()?.config.routes[0]).toMatchObject({ alias: "gpt-renamed", upstreamModel: "m1" });
  });
});
