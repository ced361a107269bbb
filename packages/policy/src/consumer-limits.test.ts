import { describe, expect, it } from "vitest";
import { consumerLimits } from "./consumer-limits.ts";
import type { LimitSpec } from "./types.ts";

const spec = (id: string, scope: LimitSpec["scope"], scopeId: string): LimitSpec => ({
  id,
  kind: "requests",
  window: "minute",
  scope,
  scopeId,
  limit: 10,
  failurePolicy: "fail-closed",
  mode: "enforce",
  onUnpriced: "deny",
  streamCutoff: false,
});

describe("consumerLimits", () => {
  const limits = [
    spec("own", "consumer", "c1"),
    spec("other", "consumer", "c2"),
    spec("team", "consumer_group", "g1"),
    spec("other-team", "consumer_group", "g2"),
    spec("route", "route", "r1"),
    spec("provider", "provider", "p1"),
    spec("all", "global", ""),
  ];

  it("keeps the consumer's own and its group's limits and every shared scope", () => {
    expect(consumerLimits(limits, { id: "c1", groupId: "g1" }).map((l) => l.id)).toEqual([
      "own",
      "team",
      "route",
      "provider",
      "all",
    ]);
  });

  it("keeps no group limit for a consumer without a group", () => {
    expect(consumerLimits(limits, { id: "c3", groupId: null }).map((l) => l.id)).toEqual(["route", "provider", "all"]);
  });
});
