import { randomBytes } from "node:crypto";
import { createDb, type Db, loadConfigRows, migrateToLatest } from "@switchyard/db";
import { createLogger, createRegistry } from "@switchyard/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../routes/keys/generate-key.ts";
import { createSecretBox } from "../secrets/secret-box.ts";
import { snapshotFromRows } from "../sync/snapshot-build.ts";
import { createAdminApp } from "./app.ts";
import { createUpstreamGuard } from "./upstream-guard.ts";

const TOKEN = "admin-token-for-tests-0123456789";
/** Response bodies in these tests are checked field by field, so they are read untyped. */
const json = (res: Response): Promise<any> => res.json();

describe("admin API (PGlite)", () => {
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
        guardUpstream: createUpstreamGuard({ allowInternal: false, resolve: async () => ["203.0.113.9"] }),
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

  it("requires the admin token on every call", async () => {
    for (const auth of [undefined, "Bearer wrong-token", `Basic ${TOKEN}`]) {
      const res = await app.request("/admin/v1/providers", { headers: auth ? { authorization: auth } : {} });
      expect(res.status).toBe(401);
      const body = await json(res);
      expect(body.error.code).toBe("unauthorized");
      expect(body.error.requestId).toBeTruthy();
    }
    expect((await app.request("/admin/v1/openapi.json")).status).toBe(401);
    expect((await app.request("/healthz")).status).toBe(200);
  });

  it("creates a provider, never returns its key and stores it sealed", async () => {
    const res = await call("POST", "/providers", {
      name: "openai-main",
      kind: "openai",
      baseUrl: "https://api.openai.com/v1",
      apiKey: "sk-upstream-very-secret",
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("etag")).toBe('"r1"');
    const text = await res.text();
    expect(text).not.toContain("sk-upstream-very-secret");
    const p = JSON.parse(text);
    expect(p).toMatchObject({ name: "openai-main", kind: "openai", hasApiKey: true, revision: 1 });
    const row = await db.kysely.selectFrom("providers").selectAll().where("id", "=", p.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain("sk-upstream-very-secret");
    expect(generations.length).toBeGreaterThan(0);
  });

  it("answers validation errors with 400 naming the field", async () => {
    const res = await call("POST", "/providers", { name: "x", kind: "openai" });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details.map((d: { field: string }) => d.field)).toContain("baseUrl");

    const bad = await call("POST", "/providers", { name: "y", kind: "nope", baseUrl: "ftp://x", extra: 1 });
    const fields = (await json(bad)).error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(["kind"]));

    const malformed = await app.request("/admin/v1/providers", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    expect((await call("GET", "/providers/not-a-uuid")).status).toBe(400);
    expect((await call("GET", "/providers?limit=0")).status).toBe(400);
    const badCursor = await call("GET", "/providers?cursor=abc");
    expect(badCursor.status).toBe(400);
    expect((await json(badCursor)).error.details[0].field).toBe("cursor");
  });

  it("refuses internal upstream addresses with 422 naming baseUrl", async () => {
    const res = await call("POST", "/providers", { name: "inner", kind: "openai", baseUrl: "http://169.254.169.254/" });
    expect(res.status).toBe(422);
    expect((await json(res)).error.details[0].field).toBe("baseUrl");
  });

  it("accepts an internal upstream for a provider marked allowInternal, and re-checks when the mark is removed", async () => {
    const created = await call("POST", "/providers", {
      name: "in-cluster-ollama",
      kind: "ollama",
      baseUrl: "http://10.0.0.5:11434",
      allowInternal: true,
    });
    expect(created.status).toBe(201);
    const p = await json(created);
    expect(p.allowInternal).toBe(true);
    expect((await json(await call("GET", `/providers/${p.id}`))).allowInternal).toBe(true);
    const off = await call("PATCH", `/providers/${p.id}`, { allowInternal: false });
    expect(off.status).toBe(422);
    expect((await json(off)).error.details[0].field).toBe("baseUrl");
    const moved = await call("PATCH", `/providers/${p.id}`, { baseUrl: "http://127.0.0.1:11434" });
    expect(moved.status).toBe(200);
    const both = await call("PATCH", `/providers/${p.id}`, {
      baseUrl: "https://ollama.example.com",
      allowInternal: false,
    });
    expect(both.status).toBe(200);
    expect((await json(both)).allowInternal).toBe(false);
    const back = await call("PATCH", `/providers/${p.id}`, { baseUrl: "http://127.0.0.1:11434" });
    expect(back.status).toBe(422);
    const plain = await json(await call("POST", "/providers", { name: "plain-mock", kind: "mock" }));
    expect(plain.allowInternal).toBe(false);
    const bad = await call("POST", "/providers", { name: "b", kind: "mock", allowInternal: "yes" });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.details[0].field).toBe("allowInternal");
  });

  it("conflicts on a duplicate name with 409", async () => {
    const body = { name: "dup", kind: "mock" };
    expect((await call("POST", "/providers", body)).status).toBe(201);
    const res = await call("POST", "/providers", body);
    expect(res.status).toBe(409);
    expect((await json(res)).error.code).toBe("conflict");
  });

  it("guards updates with If-Match", async () => {
    const created = await json(await call("POST", "/providers", { name: "etag", kind: "mock" }));
    const first = await call("PATCH", `/providers/${created.id}`, { connectTimeoutMs: 1000 }, { "if-match": '"r1"' });
    expect(first.status).toBe(200);
    expect(first.headers.get("etag")).toBe('"r2"');
    const stale = await call("PATCH", `/providers/${created.id}`, { connectTimeoutMs: 2000 }, { "if-match": '"r1"' });
    expect(stale.status).toBe(412);
    const got = await json(await call("GET", `/providers/${created.id}`));
    expect(got.connectTimeoutMs).toBe(1000);
  });

  it("paginates lists with a cursor", async () => {
    for (let i = 0; i < 5; i++) await call("POST", "/consumers", { name: `page-${i}` });
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const body = await json(await call("GET", `/consumers${q}`));
      for (const c of body.data) seen.add(c.id);
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen.size).toBeGreaterThanOrEqual(5);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it("creates routes, refusing unknown providers", async () => {
    const p = await json(await call("POST", "/providers", { name: "for-route", kind: "mock" }));
    const r = await call("POST", "/routes", { alias: "gpt-test", providerId: p.id, upstreamModel: "gpt-4o-mini" });
    expect(r.status).toBe(201);
    const missing = await call("POST", "/routes", {
      alias: "orphan",
      providerId: "00000000-0000-4000-8000-000000000000",
      upstreamModel: "m",
    });
    expect([409, 422]).toContain(missing.status);
    const inUse = await call("DELETE", `/providers/${p.id}`);
    expect(inUse.status).toBe(409);
  });

  it("takes every provider kind, apiVersion for azure-openai only, and strict on routes, into the snapshot", async () => {
    const kinds = ["openai", "azure-openai", "anthropic", "gemini", "ollama", "openai-compatible"];
    for (const kind of kinds) {
      const res = await call("POST", "/providers", { name: `k-${kind}`, kind, baseUrl: "https://llm.example.com/v1" });
      expect(res.status, kind).toBe(201);
      expect((await json(res)).apiVersion).toBeNull();
    }
    const az = await call("POST", "/providers", {
      name: "azure",
      kind: "azure-openai",
      baseUrl: "https://res.openai.azure.com",
      apiKey: "azure-key",
      apiVersion: "2025-04-01-preview",
    });
    expect(az.status).toBe(201);
    const azure = await json(az);
    expect(azure.apiVersion).toBe("2025-04-01-preview");

    const wrongKind = await call("POST", "/providers", {
      name: "not-azure",
      kind: "openai",
      baseUrl: "https://api.openai.com/v1",
      apiVersion: "2024-10-21",
    });
    expect(wrongKind.status).toBe(400);
    expect((await json(wrongKind)).error.details.map((d: { field: string }) => d.field)).toEqual(["apiVersion"]);
    const openai = (await json(await call("GET", "/providers?limit=500"))).data.find(
      (p: { kind: string }) => p.kind === "openai",
    );
    const patchWrong = await call("PATCH", `/providers/${openai.id}`, { apiVersion: "2024-10-21" });
    expect(patchWrong.status).toBe(400);
    expect((await json(patchWrong)).error.details).toEqual([{ field: "apiVersion", message: expect.any(String) }]);
    const patchBad = await call("PATCH", `/providers/${azure.id}`, { apiVersion: "2024&x=1" });
    expect(patchBad.status).toBe(400);
    const patched = await call("PATCH", `/providers/${azure.id}`, { apiVersion: "2024-10-21" });
    expect((await json(patched)).apiVersion).toBe("2024-10-21");

    const route = await json(
      await call("POST", "/routes", { alias: "az", providerId: azure.id, upstreamModel: "dep" }),
    );
    expect(route.strict).toBe(false);
    const strict = await call("PATCH", `/routes/${route.id}`, { strict: true });
    expect((await json(strict)).strict).toBe(true);
    expect((await json(await call("PATCH", `/routes/${route.id}`, { upstreamModel: "dep2" }))).strict).toBe(true);
    expect((await call("PATCH", `/routes/${route.id}`, { strict: "yes" })).status).toBe(400);

    const snap = snapshotFromRows(await loadConfigRows(db), box);
    expect(snap.providers.find((p) => p.id === azure.id)).toMatchObject({
      kind: "azure-openai",
      apiVersion: "2024-10-21",
      apiKey: "azure-key",
    });
    expect(snap.providers.find((p) => p.id === openai.id)?.apiVersion).toBeNull();
    expect(snap.routes.find((r) => r.id === route.id)).toMatchObject({ strict: true, upstreamModel: "dep2" });
  });

  it("issues a key once, stores only its hash, and revokes it", async () => {
    const consumer = await json(await call("POST", "/consumers", { name: "team-a", metadata: { team: "a" } }));
    const res = await call("POST", `/consumers/${consumer.id}/keys`, { name: "ci" });
    expect(res.status).toBe(201);
    const key = await json(res);
    expect(key.key).toMatch(/^sk-sy-[A-Za-z0-9_-]{32}$/);
    expect(key.key.startsWith(key.prefix)).toBe(true);
    const rows = await db.kysely.selectFrom("api_keys").selectAll().where("id", "=", key.id).execute();
    expect(JSON.stringify(rows)).not.toContain(key.key);
    expect(rows[0]?.hash).toBe(hashKey(key.key));
    const listed = await json(await call("GET", `/consumers/${consumer.id}/keys`));
    expect(JSON.stringify(listed)).not.toContain(key.key);
    expect((await call("DELETE", `/consumers/${consumer.id}/keys/${key.id}`)).status).toBe(204);
    const after = await json(await call("GET", `/consumers/${consumer.id}/keys`));
    expect(after.data[0].revokedAt).not.toBeNull();
  });

  it("accepts every limit kind, window and scope; checks the fields together and the scope id", async () => {
    const consumer = await json(await call("POST", "/consumers", { name: "limited" }));
    const ok = await call("POST", "/limits", {
      kind: "requests",
      window: "minute",
      scope: "consumer",
      scopeId: consumer.id,
      limit: 10,
    });
    expect(ok.status).toBe(201);
    const requestsLimit = await json(ok);
    expect(requestsLimit).toMatchObject({
      failurePolicy: "fail-closed",
      mode: "enforce",
      onUnpriced: "deny",
      streamCutoff: false,
      limit: 10,
    });
    // The first release's names are still accepted, and stored in today's words.
    const legacy = await call("POST", "/limits", {
      kind: "total_tokens",
      window: "day",
      scope: "global",
      limit: 1_000_000,
      failurePolicy: "allow",
      streamCutoff: true,
      mode: "shadow",
    });
    expect(legacy.status).toBe(201);
    const tokens = await json(legacy);
    expect(tokens).toMatchObject({ failurePolicy: "fail-open", window: "day", scopeId: "", streamCutoff: true });
    const concurrency = await call("POST", "/limits", {
      kind: "concurrency",
      scope: "consumer",
      scopeId: consumer.id,
      limit: 4,
      failurePolicy: "local",
    });
    expect(concurrency.status).toBe(201);
    expect((await json(concurrency)).window).toBeNull();
    const budget = await call("POST", "/limits", {
      kind: "cost_usd",
      window: "month",
      scope: "consumer",
      scopeId: consumer.id,
      limit: 12.345678,
      onUnpriced: "allow",
    });
    expect(budget.status).toBe(201);
    const cost = await json(budget);
    expect(cost).toMatchObject({ limit: 12.345678, onUnpriced: "allow" });

    const field = async (res: Response) => (await json(res)).error.details[0].field;
    for (const [body, name] of [
      [{ kind: "concurrency", window: "minute", scope: "global", limit: 1 }, "window"],
      [{ kind: "requests", scope: "global", limit: 1 }, "window"],
      [{ kind: "requests", window: "minute", scope: "global", scopeId: consumer.id, limit: 1 }, "scopeId"],
      [{ kind: "requests", window: "minute", scope: "global", limit: 1.5 }, "limit"],
      [{ kind: "cost_usd", window: "day", scope: "global", limit: 0.0000001 }, "limit"],
      [{ kind: "requests", window: "minute", scope: "global", limit: 1, streamCutoff: true }, "streamCutoff"],
      [{ kind: "requests", window: "minute", scope: "global", limit: 1, onUnpriced: "allow" }, "onUnpriced"],
      [{ kind: "requests", window: "minute", scope: "global", limit: 1, failurePolicy: "maybe" }, "failurePolicy"],
    ] as const) {
      const res = await call("POST", "/limits", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await field(res)).toBe(name);
    }
    for (const scope of ["consumer", "consumer_group", "route", "provider"]) {
      const res = await call("POST", "/limits", {
        kind: "requests",
        window: "minute",
        scope,
        scopeId: "00000000-0000-4000-8000-000000000000",
        limit: 1,
      });
      expect(res.status, scope).toBe(422);
      expect(await field(res)).toBe("scopeId");
    }

    // PATCH checks the limit as it would be after the patch.
    const cutoff = await call("PATCH", `/limits/${cost.id}`, { streamCutoff: true, limit: 20.5 });
    expect(cutoff.status).toBe(200);
    expect(await json(cutoff)).toMatchObject({ streamCutoff: true, limit: 20.5, revision: 2 });
    const requests = requestsLimit.id;
    const wrongCutoff = await call("PATCH", `/limits/${requests}`, { streamCutoff: true });
    expect(wrongCutoff.status).toBe(422);
    expect(await field(wrongCutoff)).toBe("streamCutoff");
    const cents = await call("PATCH", `/limits/${requests}`, { limit: 2.5 });
    expect(cents.status).toBe(422);
    expect(await field(cents)).toBe("limit");
    expect((await call("PATCH", `/limits/${requests}`, { window: "hour" })).status).toBe(400);
    const renamed = await call("PATCH", `/limits/${requests}`, { failurePolicy: "deny", mode: "shadow" });
    expect(await json(renamed)).toMatchObject({ failurePolicy: "fail-closed", mode: "shadow" });
    expect((await call("PATCH", "/limits/00000000-0000-4000-8000-000000000000", { limit: 1 })).status).toBe(404);

    const snap = snapshotFromRows(await loadConfigRows(db), box);
    expect(snap.limits.find((l) => l.id === cost.id)).toMatchObject({ limit: 20.5, streamCutoff: true });
    expect(snap.limits.find((l) => l.id === tokens.id)).toMatchObject({ mode: "shadow", failurePolicy: "fail-open" });
  });

  it("serves an OpenAPI document and JSON 404s", async () => {
    const doc = await json(await call("GET", "/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/admin/v1/consumers/{id}/keys");
    const body = (path: string, op: string) =>
      doc.paths[path][op].requestBody.content["application/json"].schema.properties;
    expect(body("/admin/v1/providers", "post").kind.enum).toContain("azure-openai");
    expect(Object.keys(body("/admin/v1/providers", "post"))).toContain("apiVersion");
    expect(Object.keys(body("/admin/v1/providers/{id}", "patch"))).toContain("apiVersion");
    expect(body("/admin/v1/routes", "post").strict.default).toBe(false);
    expect(Object.keys(body("/admin/v1/routes/{id}", "patch"))).toContain("strict");
    expect(Object.keys(body("/admin/v1/limits", "post"))).toEqual(
      expect.arrayContaining(["mode", "onUnpriced", "streamCutoff", "failurePolicy"]),
    );
    expect(Object.keys(body("/admin/v1/groups", "post"))).toEqual(["name"]);
    expect(Object.keys(body("/admin/v1/prices", "post"))).toContain("cachedInputPerMTok");
    const res = await call("GET", "/nope");
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe("not_found");
  });
});
