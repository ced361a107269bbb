import { createHash, randomUUID } from "node:crypto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { buildSnapshot, type ConfigSnapshot, canonicalJson } from "@switchyard/policy";
import { SnapshotSchema } from "@switchyard/proto";
import { describe, expect, it } from "vitest";
import { sampleConfig } from "../test-fixtures.ts";
import { snapshotFromProto } from "./snapshot-from-proto.ts";
import { snapshotToProto } from "./snapshot-to-proto.ts";
import { versionOf, versionSnapshot } from "./version.ts";

/** The sample with the fields added after the first release set to non-default values. */
function withNewFields() {
  const base = sampleConfig();
  return buildSnapshot({
    ...base,
    providers: base.providers.map((p) =>
      p.kind === "openai"
        ? { ...p, kind: "azure-openai" as const, apiVersion: "2025-04-01-preview", allowInternal: true }
        : p,
    ),
    routes: base.routes.map((r) => ({ ...r, strict: true })),
  });
}

/** The version's definition written plainly (docs/config-sync.md, "The version"), to check the cached implementation. */
function referenceVersion(c: ConfigSnapshot): string {
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");
  const top: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) {
    if (!Array.isArray(v)) {
      top[k] = v;
      continue;
    }
    const buckets = new Map<string, unknown[]>();
    for (const e of v as { id: string }[]) {
      const key = e.id.slice(0, 2);
      buckets.set(key, [...(buckets.get(key) ?? []), e]);
    }
    top[k] = sha(canonicalJson([...buckets.values()].map((b) => sha(canonicalJson(b as never))) as never));
  }
  return sha(canonicalJson(top as never));
}

describe("versionOf", () => {
  it("is a lowercase hex SHA-256 over the canonical form and ignores input order", () => {
    const config = sampleConfig();
    const v = versionOf(config);
    expect(v).toMatch(/^[0-9a-f]{64}$/);
    const reordered = buildSnapshot({
      providers: [...config.providers].reverse(),
      routes: config.routes,
      consumers: config.consumers,
      groups: config.groups,
      apiKeys: config.apiKeys,
      limits: config.limits,
      prices: [...config.prices].reverse(),
    });
    expect(versionOf(reordered)).toBe(v);
    expect(canonicalJson(reordered)).toBe(canonicalJson(config));
  });

  it("pins the version of a known snapshot, so an accidental change to the canonical form is caught", () => {
    const empty = buildSnapshot({
      providers: [],
      routes: [],
      consumers: [],
      groups: [],
      apiKeys: [],
      limits: [],
      prices: [],
    });
    // Every part's digest is sha256('[]') = 4f53cda1...: sha256('{"apiKeys":"4f53...","consumers":"4f53...",
    // ...,"routes":"4f53...","schemaVersion":2}').
    const emptyPart = createHash("sha256").update("[]").digest("hex");
    expect(emptyPart).toBe("4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945");
    const parts = ["apiKeys", "consumers", "groups", "limits", "prices", "providers", "routes"];
    const top = `{${parts.map((p) => `"${p}":"${emptyPart}"`).join(",")},"schemaVersion":2}`;
    expect(versionOf(empty)).toBe(createHash("sha256").update(top).digest("hex"));
    expect(versionOf(empty)).toBe("c706ee19dc5eba08f7ffdaf1b94dff0b99bf6a972e074292e5747cd8e3359871");
  });

  it("follows its definition over policy's canonical JSON, whatever the values", () => {
    const odd = buildSnapshot({
      providers: [
        { ...sampleConfig().providers[0]!, apiKey: null, name: 'quo"te \\ ünï 🚀' },
        { ...sampleConfig().providers[1]!, baseUrl: "", connectTimeoutMs: 0.5 },
      ],
      routes: [],
      consumers: [
        { id: "b", name: "", enabled: false, groupId: null },
        { id: "a", name: "x", enabled: true, groupId: sampleConfig().groups[0]!.id },
      ],
      groups: sampleConfig().groups,
      apiKeys: sampleConfig().apiKeys,
      limits: sampleConfig().limits,
      prices: [{ ...sampleConfig().prices[0]!, inputPerMTok: 1e-7, cachedInputPerMTok: null }],
    });
    for (const c of [
      odd,
      withNewFields(),
      sampleConfig("z"),
      buildSnapshot({ providers: [], routes: [], consumers: [], groups: [], apiKeys: [], limits: [], prices: [] }),
    ]) {
      expect(versionOf(c)).toBe(referenceVersion(c));
    }
  });

  it("stays equal to its definition across small changes to a large part (cached buckets reused)", () => {
    const base = sampleConfig();
    const consumer = base.consumers[0]!;
    const keys = Array.from({ length: 3_000 }, (_, i) => ({
      ...base.apiKeys[0]!,
      id: randomUUID(),
      consumerId: consumer.id,
      hash: createHash("sha256").update(String(i)).digest("hex"),
    }));
    let config = buildSnapshot({ ...base, apiKeys: keys });
    expect(versionOf(config)).toBe(referenceVersion(config));
    for (let step = 0; step < 5; step++) {
      const list = [...config.apiKeys];
      list.splice(step * 7, 1);
      list.push({ ...base.apiKeys[0]!, id: randomUUID(), consumerId: consumer.id, hash: `h${step}` });
      const next = buildSnapshot({ ...config, apiKeys: list });
      // Keep the unchanged objects, as a merge does, so the cached bucket digests are used.
      const byId = new Map(config.apiKeys.map((k) => [k.id, k]));
      const merged = Object.freeze({
        ...next,
        apiKeys: Object.freeze(next.apiKeys.map((k) => byId.get(k.id) ?? k)),
      }) as ConfigSnapshot;
      expect(versionOf(merged)).toBe(referenceVersion(merged));
      expect(versionOf(merged)).not.toBe(versionOf(config));
      config = merged;
    }
  });

  it("changes when any value changes", () => {
    expect(versionOf(sampleConfig("a"))).not.toBe(versionOf(sampleConfig("b")));
  });
});

describe("snapshot codec", () => {
  it("round-trips through protobuf binary to an equal snapshot with the same version", () => {
    const s = versionSnapshot(sampleConfig(), 42n);
    const wire = toBinary(SnapshotSchema, snapshotToProto(s, "nonce-1"));
    const back = snapshotFromProto(fromBinary(SnapshotSchema, wire));
    expect(back).toEqual({ ok: true, value: s });
    if (back.ok) expect(canonicalJson(back.value.config)).toBe(canonicalJson(s.config));
  });

  it("carries apiVersion and strict, and reads their absence (an older control plane) as the defaults", () => {
    const s = versionSnapshot(withNewFields(), 3n);
    const msg = snapshotToProto(s, "n");
    expect(msg.payload?.providers.map((p) => p.apiVersion ?? null).sort()).toEqual(["2025-04-01-preview", null]);
    expect(msg.payload?.providers.map((p) => p.allowInternal).sort()).toEqual([false, true]);
    expect(msg.payload?.routes.map((r) => r.strict)).toEqual([true]);
    expect(snapshotFromProto(fromBinary(SnapshotSchema, toBinary(SnapshotSchema, msg)))).toEqual({
      ok: true,
      value: s,
    });

    // A payload written without the fields: same snapshot, same version as one holding the defaults.
    const plain = versionSnapshot(sampleConfig(), 4n);
    const old = snapshotToProto(plain, "n");
    for (const p of old.payload!.providers) delete p.apiVersion;
    const back = snapshotFromProto(old);
    expect(back).toEqual({ ok: true, value: plain });
    expect(back.ok && back.value.config.routes[0]?.strict).toBe(false);
    expect(back.ok && back.value.config.providers.every((p) => p.apiVersion === null)).toBe(true);
    expect(back.ok && back.value.config.providers.every((p) => p.allowInternal === false)).toBe(true);
  });

  it("carries groups, prices and the limits issue's fields: micro-dollar budgets, no window for concurrency", () => {
    const s = versionSnapshot(sampleConfig(), 5n);
    const msg = snapshotToProto(s, "n", 3);
    expect(msg.fleetSize).toBe(3);
    const p = msg.payload!;
    expect(p.groups.map((g) => g.name)).toEqual(["platform"]);
    expect(p.consumers[0]?.groupId).toBe(s.config.groups[0]?.id);
    const cost = p.limits.find((l) => l.kind === "cost_usd")!;
    expect([cost.limit, cost.limitMicroUsd, cost.mode, cost.onUnpriced, cost.streamCutoff]).toEqual([
      0n,
      12_345_678n,
      "shadow",
      "allow",
      true,
    ]);
    expect(p.limits.find((l) => l.kind === "concurrency")?.window).toBe("");
    expect(p.prices.find((x) => x.model === "text-embedding-3-small")?.cachedInputPerMtok).toBeUndefined();
    const back = snapshotFromProto(fromBinary(SnapshotSchema, toBinary(SnapshotSchema, msg)));
    expect(back).toEqual({ ok: true, value: s });
    expect(back.ok && back.value.config.limits.find((l) => l.kind === "cost_usd")?.limit).toBe(12.345678);
    expect(back.ok && back.value.config.limits.find((l) => l.kind === "concurrency")?.window).toBeNull();
  });

  it("reads an empty mode and unpriced policy as the defaults, and refuses values outside the lists", () => {
    const plain = versionSnapshot(sampleConfig(), 4n);
    const msg = snapshotToProto(plain, "n");
    const requests = msg.payload!.limits.find((l) => l.kind === "requests")!;
    requests.mode = "";
    requests.onUnpriced = "";
    expect(snapshotFromProto(msg)).toEqual({ ok: true, value: plain });
    requests.failurePolicy = "deny";
    expect(snapshotFromProto(msg)).toMatchObject({ ok: false, error: { code: "invalid_value", entityKind: "limit" } });
  });

  it("refuses a window on a concurrency limit through the consistency check", () => {
    const base = sampleConfig();
    const config = buildSnapshot({
      ...base,
      limits: base.limits.map((l) => (l.kind === "concurrency" ? { ...l, window: "minute" as const } : l)),
    });
    const msg = snapshotToProto(versionSnapshot(config, 1n), "n");
    expect(snapshotFromProto(msg)).toMatchObject({ ok: false, error: { code: "inconsistent", entityKind: "limit" } });
  });

  it("keeps a null provider key null and an empty one empty", () => {
    const s = versionSnapshot(sampleConfig(), 1n);
    const msg = snapshotToProto(s, "n");
    expect(msg.payload?.providers.find((p) => p.kind === "mock")?.apiKey).toBeUndefined();
    const back = snapshotFromProto(msg);
    expect(back.ok && back.value.config.providers.find((p) => p.kind === "mock")?.apiKey).toBeNull();
  });

  it("rejects a version that does not match the payload", () => {
    const msg = snapshotToProto(versionSnapshot(sampleConfig("a"), 1n), "n");
    msg.version = versionOf(sampleConfig("b"));
    const r = snapshotFromProto(msg);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe("version_mismatch");
  });

  it("rejects a newer schema version", () => {
    const msg = snapshotToProto(versionSnapshot(sampleConfig(), 1n), "n");
    msg.payload!.schemaVersion = 99;
    const r = snapshotFromProto(msg);
    expect(!r.ok && r.error.code).toBe("unsupported_schema");
  });

  it("rejects a missing payload", () => {
    const r = snapshotFromProto(create(SnapshotSchema, { version: "x", nonce: "n" }));
    expect(!r.ok && r.error.code).toBe("invalid_payload");
  });

  it("rejects kinds outside policy's lists, naming the entity", () => {
    const msg = snapshotToProto(versionSnapshot(sampleConfig(), 1n), "n");
    msg.payload!.limits[0]!.window = "fortnight";
    const r = snapshotFromProto(msg);
    expect(r).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: "invalid_value",
        entityKind: "limit",
        entityId: msg.payload!.limits[0]!.id,
      }),
    });
    const msg2 = snapshotToProto(versionSnapshot(sampleConfig(), 1n), "n");
    msg2.payload!.providers[0]!.kind = "carrier-pigeon";
    expect(snapshotFromProto(msg2)).toMatchObject({
      ok: false,
      error: { code: "invalid_value", entityKind: "provider" },
    });
  });

  it("rejects a limit beyond the safe integer range", () => {
    const msg = snapshotToProto(versionSnapshot(sampleConfig(), 1n), "n");
    msg.payload!.limits[0]!.limit = 2n ** 60n;
    expect(snapshotFromProto(msg)).toMatchObject({ ok: false, error: { code: "invalid_value", entityKind: "limit" } });
  });

  it("rejects an inconsistent snapshot even when its version matches", () => {
    const config = buildSnapshot({
      providers: [],
      routes: [{ id: "r1", alias: "gpt", providerId: "missing", upstreamModel: "m", strict: false }],
      consumers: [],
      groups: [],
      apiKeys: [],
      limits: [],
      prices: [],
    });
    const r = snapshotFromProto(snapshotToProto(versionSnapshot(config, 1n), "n"));
    expect(r).toMatchObject({ ok: false, error: { code: "inconsistent", entityKind: "route", entityId: "r1" } });
  });
});
