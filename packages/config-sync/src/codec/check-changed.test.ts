import { buildSnapshot, checkConsistency, SNAPSHOT_SCHEMA_VERSION } from "@switchyard/policy";
import { describe, expect, it } from "vitest";
import { sampleConfig } from "../test-fixtures.ts";
import { checkChangedConsistency } from "./check-changed.ts";
import { mergeDelta } from "./merge-delta.ts";
import type { ConfigDelta } from "./snapshot-delta.ts";

const none = { providers: [], routes: [], consumers: [], groups: [], apiKeys: [], limits: [], prices: [] };
const base = sampleConfig("check");
const consumerId = base.consumers[0]?.id as string;
const apply = (d: ConfigDelta) => mergeDelta(base, d, SNAPSHOT_SCHEMA_VERSION);

describe("checkChangedConsistency", () => {
  it("accepts a consistent change", () => {
    const d = {
      upserts: { ...none, apiKeys: [{ id: "k2", consumerId, hash: "b".repeat(64) }] },
      removed: none,
    };
    expect(checkChangedConsistency(apply(d), d, SNAPSHOT_SCHEMA_VERSION)).toEqual([]);
  });

  it("finds a changed entity naming a missing one, and one left naming a removed one", () => {
    const dangling = {
      upserts: { ...none, apiKeys: [{ id: "k2", consumerId: "nobody", hash: "b".repeat(64) }] },
      removed: none,
    };
    expect(checkChangedConsistency(apply(dangling), dangling, SNAPSHOT_SCHEMA_VERSION)).toMatchObject([
      { entityKind: "api_key", entityId: "k2" },
    ]);
    // The consumer goes, its key and limit stay: both are reported, as the full check reports them.
    const orphaned = { upserts: none, removed: { ...none, consumers: [consumerId] } };
    const next = apply(orphaned);
    const problems = checkChangedConsistency(next, orphaned, SNAPSHOT_SCHEMA_VERSION);
    expect(problems.map((p) => p.entityKind).sort()).toEqual(["api_key", "limit"]);
    expect(problems).toEqual(checkConsistency(next, SNAPSHOT_SCHEMA_VERSION));
  });

  it("checks the changed entity's own values", () => {
    const d = { upserts: { ...none, apiKeys: [{ id: "k2", consumerId, hash: "not-hex" }] }, removed: none };
    expect(checkChangedConsistency(apply(d), d, SNAPSHOT_SCHEMA_VERSION)).toMatchObject([
      { entityKind: "api_key", entityId: "k2", message: "hash is not a hex SHA-256" },
    ]);
  });

  it("still finds an entity of a large unchanged part naming a removed id once that part's values are kept", () => {
    const limit = base.limits[0]!;
    const n = 1_200;
    const ids = Array.from({ length: n }, (_, i) => `c-${String(i).padStart(5, "0")}`);
    let config = buildSnapshot({
      ...base,
      consumers: ids.map((id) => ({ id, name: id, enabled: true, groupId: null })),
      apiKeys: ids.map((id, i) => ({ id: `k-${id}`, consumerId: id, hash: i.toString(16).padStart(64, "0") })),
      limits: ids.map((id) => ({ ...limit, id: `l-${id}`, scope: "consumer" as const, scopeId: id })),
    });
    // Two removals the large limits list has nothing to do with: the list is the same object each time.
    for (const id of ids.slice(0, 2)) {
      const d = { upserts: none, removed: { ...none, apiKeys: [`k-${id}`] } };
      const next = mergeDelta(config, d, SNAPSHOT_SCHEMA_VERSION);
      expect(next.limits).toBe(config.limits);
      expect(checkChangedConsistency(next, d, SNAPSHOT_SCHEMA_VERSION)).toEqual([]);
      config = next;
    }
    // Then a consumer goes with its key but its limit stays: the limit must still be found.
    const victim = ids[500]!;
    const d = { upserts: none, removed: { ...none, consumers: [victim], apiKeys: [`k-${victim}`] } };
    const next = mergeDelta(config, d, SNAPSHOT_SCHEMA_VERSION);
    expect(checkChangedConsistency(next, d, SNAPSHOT_SCHEMA_VERSION)).toMatchObject([
      { entityKind: "limit", entityId: `l-${victim}` },
    ]);
  });
});
