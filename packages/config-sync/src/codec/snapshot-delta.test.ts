import { create } from "@bufbuild/protobuf";
import { buildSnapshot, type ConfigSnapshot, type SnapshotInput } from "@switchyard/policy";
import { SnapshotDeltaSchema } from "@switchyard/proto";
import { describe, expect, it } from "vitest";
import { sampleConfig } from "../test-fixtures.ts";
import { deltaSize, deltaToProto, diffConfig, snapshotFromDelta } from "./snapshot-delta.ts";
import { versionSnapshot } from "./version.ts";

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function rng(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

const uuid = (n: number) => `30000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/**
 * One random edit: add, change or remove keys and consumers, rename a route or flip its strict mode, change a
 * limit, set or clear a provider's API version.
 */
function mutate(c: ConfigSnapshot, r: () => number, n: number): ConfigSnapshot {
  const input: SnapshotInput = {
    providers: c.providers.map((p) =>
      p.kind !== "mock" && r() < 0.3
        ? { ...p, kind: "azure-openai" as const, apiVersion: r() < 0.5 ? null : `2025-0${n % 9}-01` }
        : p,
    ),
    routes: c.routes.map((x) =>
      r() < 0.3 ? { ...x, upstreamModel: `m-${n}` } : r() < 0.2 ? { ...x, strict: !x.strict } : x,
    ),
    consumers: c.consumers.map((x) =>
      r() < 0.2 ? { ...x, groupId: x.groupId ? null : (c.groups[0]?.id ?? null) } : x,
    ),
    groups: [...c.groups, ...(r() < 0.2 ? [{ id: uuid(n * 10 + 9), name: `g-${n}` }] : [])],
    apiKeys: c.apiKeys.filter(() => r() > 0.1),
    limits: c.limits.map((l) =>
      r() < 0.3 ? { ...l, limit: l.kind === "cost_usd" ? Math.round(r() * 1e8) / 1e6 : 1 + Math.floor(r() * 1000) } : l,
    ),
    prices: c.prices
      .filter((p) => p.model.startsWith("gpt") || r() > 0.2)
      .map((p) => (r() < 0.3 ? { ...p, outputPerMTok: Math.round(r() * 1e6) / 1e3 } : p)),
  };
  const consumerId = c.consumers[0]?.id as string;
  for (let i = 0; i < 3; i++) {
    (input.apiKeys as { id: string; consumerId: string; hash: string }[]).push({
      id: uuid(n * 10 + i),
      consumerId,
      hash: (n * 10 + i).toString(16).padStart(64, "0"),
    });
  }
  return buildSnapshot(input);
}

describe("snapshot deltas", () => {
  it("applying deltas gives exactly the snapshot a full push would, step after step", () => {
    const r = rng(42);
    let config = sampleConfig("delta");
    let held = versionSnapshot(config, 1n);
    for (let step = 2; step < 40; step++) {
      config = mutate(config, r, step);
      const full = versionSnapshot(config, BigInt(step));
      const delta = diffConfig(held.config, full.config);
      const applied = snapshotFromDelta(held, deltaToProto(held.version, full, delta, `n${step}`));
      expect(applied).toEqual({ ok: true, value: full });
      held = applied.ok ? applied.value : held;
    }
  });

  it("carries only what changed", () => {
    const base = versionSnapshot(sampleConfig("a"), 1n);
    const next = versionSnapshot(sampleConfig("b"), 2n);
    const d = diffConfig(base.config, next.config);
    expect(deltaSize(d)).toBe(1);
    expect(d.upserts.routes.map((x) => x.upstreamModel)).toEqual(["gpt-b"]);
    expect(diffConfig(base.config, base.config).upserts.routes).toEqual([]);
  });

  it("refuses a delta for another base, and one whose result does not match its version", () => {
    const a = versionSnapshot(sampleConfig("a"), 1n);
    const b = versionSnapshot(sampleConfig("b"), 2n);
    const c = versionSnapshot(sampleConfig("c"), 3n);
    const msg = deltaToProto(a.version, b, diffConfig(a.config, b.config), "n");
    expect(snapshotFromDelta(c, msg)).toMatchObject({ ok: false, error: { code: "delta_base_mismatch" } });
    expect(snapshotFromDelta(null, msg)).toMatchObject({ ok: false, error: { code: "delta_base_mismatch" } });
    const wrong = create(SnapshotDeltaSchema, { ...msg, version: c.version });
    expect(snapshotFromDelta(a, wrong)).toMatchObject({ ok: false, error: { code: "version_mismatch" } });
  });
});

describe("delta removals of the new entity kinds", () => {
  it("removes groups and prices by id and carries the fleet size", () => {
    const a = versionSnapshot(sampleConfig("a"), 1n);
    const config = buildSnapshot({
      ...a.config,
      consumers: a.config.consumers.map((c) => ({ ...c, groupId: null })),
      groups: [],
      limits: a.config.limits.filter((l) => l.scope !== "consumer_group"),
      prices: a.config.prices.slice(1),
    });
    const b = versionSnapshot(config, 2n);
    const d = diffConfig(a.config, b.config);
    expect(d.removed.groups).toEqual([a.config.groups[0]?.id]);
    expect(d.removed.prices).toEqual([a.config.prices[0]?.id]);
    const msg = deltaToProto(a.version, b, d, "n", 4);
    expect(msg.fleetSize).toBe(4);
    expect(msg.removed?.groupIds).toEqual([a.config.groups[0]?.id]);
    expect(snapshotFromDelta(a, msg)).toEqual({ ok: true, value: b });
  });
});
