import { randomBytes } from "node:crypto";
import { createDb, type Db, loadConfigRows, migrateToLatest } from "@switchyard/db";
import { createLogger, createRegistry } from "@switchyard/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminApp } from "../../admin/app.ts";
import { createUpstreamGuard } from "../../admin/upstream-guard.ts";
import { createSecretBox } from "../../secrets/secret-box.ts";
import { snapshotFromRows } from "../../sync/snapshot-build.ts";

const TOKEN = "admin-token-for-tests-0123456789";
const json = (res: Response): Promise<any> => res.json();

describe("consumer groups and prices (PGlite)", () => {
  let db: Db;
  let app: ReturnType<typeof createAdminApp>;
  const generations: bigint[] = [];
  const box = createSecretBox(new Map([["k1", randomBytes(32)]]), "k1");

  beforeAll(async () => {
    db = createDb({ pgliteMemory: true });
    await migrateToLatest(db);
    app = createAdminApp(
      {
        db,
        secrets: box,
        logger: createLogger({ name: "test", level: "silent" }),
        guardUpstream: createUpstreamGuard({ allowInternal: true }),
        changed: (g) => generations.push(g),
        nodes: () => [],
      },
      {
        adminTokens: [TOKEN],
        registry: createRegistry({ app: "test" }),
        ready: async () => true,
        currentSnapshot: () => undefined,
        coveredGeneration: () => -1n,
        buildVersion: "test",
      },
    );
  });
  afterAll(async () => {
    await db.close();
  });

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.request(`/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const field = async (res: Response) => (await json(res)).error.details[0].field;

  it("creates, lists, renames and deletes groups, with revisions and a 409 on a taken name", async () => {
    const res = await call("POST", "/groups", { name: "search" });
    expect(res.status).toBe(201);
    expect(res.headers.get("etag")).toBe('"r1"');
    const g = await json(res);
    expect(g).toMatchObject({ name: "search", revision: 1 });
    expect((await call("POST", "/groups", { name: "search" })).status).toBe(409);
    expect(await field(await call("POST", "/groups", { name: "" }))).toBe("name");
    expect((await call("POST", "/groups", { name: "x", extra: 1 })).status).toBe(400);
    expect((await json(await call("GET", "/groups"))).data.map((x: { id: string }) => x.id)).toContain(g.id);
    expect((await json(await call("GET", `/groups/${g.id}`))).name).toBe("search");
    expect((await call("PATCH", `/groups/${g.id}`, { name: "stale" }, { "if-match": '"r7"' })).status).toBe(412);
    const renamed = await json(await call("PATCH", `/groups/${g.id}`, { name: "search-team" }));
    expect(renamed).toMatchObject({ name: "search-team", revision: 2 });
    expect((await call("DELETE", `/groups/${g.id}`)).status).toBe(204);
    expect((await call("GET", `/groups/${g.id}`)).status).toBe(404);
    expect((await call("DELETE", `/groups/${g.id}`)).status).toBe(404);
  });

  it("puts consumers in groups (422 naming groupId for an unknown one) and refuses deleting a used group", async () => {
    const g = await json(await call("POST", "/groups", { name: "platform" }));
    const created = await call("POST", "/consumers", { name: "member", groupId: g.id });
    expect(created.status).toBe(201);
    const member = await json(created);
    expect(member.groupId).toBe(g.id);
    expect((await json(await call("POST", "/consumers", { name: "loner" }))).groupId).toBeNull();

    const unknown = "00000000-0000-4000-8000-000000000000";
    const orphan = await call("POST", "/consumers", { name: "orphan", groupId: unknown });
    expect(orphan.status).toBe(422);
    expect(await field(orphan)).toBe("groupId");
    const moved = await call("PATCH", `/consumers/${member.id}`, { groupId: unknown });
    expect(moved.status).toBe(422);
    expect(await field(moved)).toBe("groupId");
    expect(await field(await call("POST", "/consumers", { name: "bad", groupId: "nope" }))).toBe("groupId");

    const inUse = await call("DELETE", `/groups/${g.id}`);
    expect(inUse.status).toBe(409);
    expect((await json(inUse)).error.message).toContain("consumers");
    expect((await json(await call("PATCH", `/consumers/${member.id}`, { groupId: null }))).groupId).toBeNull();

    const limit = await call("POST", "/limits", {
      kind: "requests",
      window: "hour",
      scope: "consumer_group",
      scopeId: g.id,
      limit: 100,
    });
    expect(limit.status).toBe(201);
    const scoped = await call("DELETE", `/groups/${g.id}`);
    expect(scoped.status).toBe(409);
    expect((await json(scoped)).error.message).toContain("limits");
    expect((await call("DELETE", `/limits/${(await json(limit)).id}`)).status).toBe(204);
    expect((await call("DELETE", `/groups/${g.id}`)).status).toBe(204);
  });

  it("carries groups and group membership into the snapshot", async () => {
    const g = await json(await call("POST", "/groups", { name: "snap-team" }));
    const c = await json(await call("POST", "/consumers", { name: "snap-member", groupId: g.id }));
    const snap = snapshotFromRows(await loadConfigRows(db), box);
    expect(snap.groups).toContainEqual({ id: g.id, name: "snap-team" });
    expect(snap.consumers.find((x) => x.id === c.id)?.groupId).toBe(g.id);
  });

  it("serves the seeded price catalog and edits it", async () => {
    const list = await json(await call("GET", "/prices?limit=100"));
    const mini = list.data.find((p: { model: string }) => p.model === "gpt-4o-mini");
    expect(mini).toMatchObject({ inputPerMTok: 0.15, outputPerMTok: 0.6, cachedInputPerMTok: 0.075 });

    const created = await call("POST", "/prices", { model: "my-finetune", inputPerMTok: 3, outputPerMTok: 12 });
    expect(created.status).toBe(201);
    const p = await json(created);
    expect(p).toMatchObject({ model: "my-finetune", cachedInputPerMTok: null, revision: 1 });
    expect((await call("POST", "/prices", { model: "my-finetune", inputPerMTok: 1, outputPerMTok: 1 })).status).toBe(
      409,
    );
    expect(await field(await call("POST", "/prices", { model: "m", inputPerMTok: -1, outputPerMTok: 1 }))).toBe(
      "inputPerMTok",
    );
    expect(await field(await call("PATCH", `/prices/${p.id}`, { model: "renamed" }))).toBe("(body)");
    const patched = await json(await call("PATCH", `/prices/${p.id}`, { cachedInputPerMTok: 1.5 }));
    expect(patched).toMatchObject({ inputPerMTok: 3, cachedInputPerMTok: 1.5, revision: 2 });
    expect((await json(await call("GET", `/prices/${p.id}`))).cachedInputPerMTok).toBe(1.5);
    const snap = snapshotFromRows(await loadConfigRows(db), box);
    expect(snap.prices.find((x) => x.model === "my-finetune")).toMatchObject({ outputPerMTok: 12 });
    expect((await call("DELETE", `/prices/${p.id}`)).status).toBe(204);
    expect((await call("GET", `/prices/${p.id}`)).status).toBe(404);
  });
});
