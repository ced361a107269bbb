import { describe, expect, it } from "vitest";
import {
  decodeUsageRecord,
  encodeUsageRecord,
  PACKED_SEPARATOR,
  packUsageRecord,
  type UsageRecord,
} from "./usage-record.ts";

const record: UsageRecord = {
  requestId: "req-1",
  ts: 1_765_000_000_123,
  nodeId: "dp-1",
  consumerId: "c-1",
  groupId: "team-a",
  routeId: "r-1",
  alias: "gpt",
  providerId: "p-1",
  model: "gpt-4o-mini",
  inputTokens: 12,
  outputTokens: 34,
  cachedTokens: 5,
  reasoningTokens: 6,
  costMicroUsd: 789,
  status: 200,
  latencyMs: 45,
  streamed: true,
};

describe("usage record encoding", () => {
  it("round-trips every field through the flat field list", () => {
    const fields = encodeUsageRecord(record);
    expect(fields.length % 2).toBe(0);
    expect(decodeUsageRecord(fields)).toEqual(record);
  });

  it("keeps no group and unpriced apart from empty and zero", () => {
    const bare = { ...record, groupId: null, costMicroUsd: null, streamed: false };
    expect(decodeUsageRecord(encodeUsageRecord(bare))).toEqual(bare);
    const zero = { ...record, groupId: "", costMicroUsd: 0 };
    expect(decodeUsageRecord(encodeUsageRecord(zero))).toEqual(zero);
  });

  it("packs the same field list into one string, or refuses to when the model holds the separator", () => {
    for (const r of [record, { ...record, groupId: null, costMicroUsd: null, streamed: false }]) {
      expect(packUsageRecord(r)?.split(PACKED_SEPARATOR)).toEqual(encodeUsageRecord(r));
    }
    expect(packUsageRecord({ ...record, model: "two\nlines" })).toBeNull();
  });

  it("refuses other versions, missing fields and malformed numbers", () => {
    const fields = encodeUsageRecord(record);
    expect(decodeUsageRecord(["v", "2", ...fields.slice(2)])).toBeNull();
    expect(decodeUsageRecord(fields.slice(0, -2).concat("i", "x"))).toBeNull();
    const withoutId = [...fields];
    withoutId.splice(2, 2);
    expect(decodeUsageRecord(withoutId)).toBeNull();
    expect(decodeUsageRecord([...fields, "$", "-1"])).toBeNull();
    expect(decodeUsageRecord(["v", "1"])).toBeNull();
  });
});
