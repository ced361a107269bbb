import { type ConfigDelta, mergeDelta, versionSnapshot } from "@switchyard/config-sync/codec";
import type { ApiKeySpec, ConsumerSpec, VersionedSnapshot } from "@switchyard/policy";
import { describe, expect, it } from "vitest";
import { apiKey, consumer, mockProvider, route, rpmLimit, snapshot } from "../testing/snapshot-fixture.ts";
import { patchKeys } from "./compile-keys.ts";
import { compileRuntime } from "./compile-runtime.ts";
import { createPoolSet } from "./pool-set.ts";
import { createRuntimeHolder } from "./runtime-holder.ts";

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function rng(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

const empty = { providers: [], routes: [], consumers: [], groups: [], apiKeys: [], limits: [], prices: [] };
const removedNone = { providers: [], routes: [], consumers: [], groups: [], apiKeys: [], limits: [], prices: [] };

/** One random change as a delta: keys added or revoked, consumers disabled, enabled, added or removed. */
function randomDelta(s: VersionedSnapshot, r: () => number, step: number): ConfigDelta {
  const c = s.config;
  const consumers: ConsumerSpec[] = [];
  const apiKeys: ApiKeySpec[] = [];
  const removed = { ...removedNone, consumers: [] as string[], apiKeys: [] as string[], limits: [] as string[] };
  const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(r() * xs.length)];
  for (let i = 0; i < 1 + Math.floor(r() * 3); i++) {
    const roll = r();
    const someone = pick(c.consumers);
    if (roll < 0.3 && someone) apiKeys.push(apiKey(`sk-${step}-${i}`, someone.id));
    else if (roll < 0.5) {
      const k = pick(c.apiKeys);
      if (k) removed.apiKeys.push(k.id);
    } else if (roll < 0.75 && someone) consumers.push({ ...someone, enabled: !someone.enabled });
    else if (roll < 0.9) {
      const id = `c-new-${step}-${i}`;
      consumers.push(consumer(id));
      apiKeys.push(apiKey(`sk-new-${step}-${i}`, id));
    } else if (someone) {
      // A consumer removed takes its keys and its limit with it, as the database's delete does.
      removed.consumers.push(someone.id);
      for (const k of c.apiKeys) if (k.consumerId === someone.id) removed.apiKeys.push(k.id);
      for (const l of c.limits) if (l.scopeId === someone.id) removed.limits.push(l.id);
    }
  }
  return { upserts: { ...empty, consumers, apiKeys }, removed };
}

describe("incremental compile", () => {
  it("patches the key map to exactly what a compile from scratch gives, change after change", () => {
    const r = rng(7);
    const ids = Array.from({ length: 40 }, (_, i) => `c${i}`);
    let s = snapshot({
      providers: [mockProvider()],
      routes: [route("fast", "prov-mock")],
      consumers: ids.map((id, i) => consumer(id, i % 5 !== 0)),
      apiKeys: ids.flatMap((id) => [apiKey(`sk-${id}-a`, id), apiKey(`sk-${id}-b`, id)]),
      limits: ids.filter((_, i) => i % 2 === 0).map((id) => rpmLimit(id, 5)),
    });
    const holder = createRuntimeHolder();
    expect(holder.apply(s).ok).toBe(true);
    for (let step = 1; step <= 60; step++) {
      const prev = s;
      s = versionSnapshot(mergeDelta(prev.config, randomDelta(prev, r, step), 1), BigInt(step + 1));
      const rt = holder.apply(s);
      const fresh = compileRuntime(s, createPoolSet());
      if (!rt.ok || !fresh.ok) throw new Error("compile failed");
      expect(new Map(rt.value.keys)).toEqual(fresh.value.keys);
      expect(rt.value.keys.size).toBe(fresh.value.keys.size);
      for (const [hash, grant] of fresh.value.keys) expect(rt.value.keys.get(hash)).toEqual(grant);
      expect(rt.value.version).toBe(s.version);
    }
  });

  it("patches a small change, limits included (a grant depends only on its consumer)", () => {
    const base = snapshot({
      consumers: [consumer("c1")],
      apiKeys: [apiKey("sk-1", "c1")],
      limits: [rpmLimit("c1", 1)],
    });
    const keys = compileRuntime(base, createPoolSet());
    if (!keys.ok) throw new Error("compile failed");
    const oneKey = mergeDelta(
      base.config,
      { upserts: { ...empty, apiKeys: [apiKey("sk-2", "c1")] }, removed: removedNone },
      1,
    );
    expect(patchKeys(base.config, keys.value.keys, oneKey)?.size).toBe(2);
    const newLimit = mergeDelta(
      base.config,
      { upserts: { ...empty, limits: [rpmLimit("c1", 2)] }, removed: removedNone },
      1,
    );
    expect(patchKeys(base.config, keys.value.keys, newLimit)?.size).toBe(1);
  });
});
