import type { ConfigSnapshot, LimitSpec } from "@switchyard/policy";
import type { LimitPlan, LimitRule } from "@switchyard/ratelimit";
import { describe, expect, it } from "vitest";
import { createLimitIndex } from "./limit-index.ts";

function limit(id: string, fields: Partial<LimitSpec>): LimitSpec {
  return {
    id,
    kind: "requests",
    window: "minute",
    scope: "consumer",
    scopeId: "c1",
    limit: 10,
    failurePolicy: "fail-closed",
    mode: "enforce",
    onUnpriced: "deny",
    streamCutoff: false,
    ...fields,
  };
}

function config(limits: LimitSpec[]): ConfigSnapshot {
  return {
    schemaVersion: 2,
    providers: [],
    routes: [],
    consumers: [],
    groups: [],
    apiKeys: [],
    limits,
    prices: [{ id: "p", model: "gpt-4o", inputPerMTok: 2.5, outputPerMTok: 10, cachedInputPerMTok: null }],
  };
}

/** Records what it was asked to plan; the plan is the rule list itself. */
function recordingPlanner() {
  const calls: LimitRule[][] = [];
  const planner = (rules: readonly LimitRule[]) => {
    calls.push([...rules]);
    return rules as unknown as LimitPlan;
  };
  return { calls, planner };
}

const route = (model = "gpt-4o", routeId = "r1") => ({ routeId, providerId: "p1", target: { upstreamModel: model } });
const rulesOf = (plan: LimitPlan | null) => (plan as unknown as LimitRule[] | null)?.map((r) => r.id) ?? null;

describe("createLimitIndex", () => {
  const limits = [
    limit("mine", {}),
    limit("other-consumer", { scopeId: "c2" }),
    limit("team", { scope: "consumer_group", scopeId: "g1", kind: "total_tokens", window: "day", limit: 1000 }),
    limit("route", { scope: "route", scopeId: "r1", kind: "concurrency", window: null, limit: 3 }),
    limit("other-route", { scope: "route", scopeId: "r2" }),
    limit("provider", { scope: "provider", scopeId: "p1", limit: 1000, failurePolicy: "local" }),
    limit("all", { scope: "global", scopeId: "", limit: 100_000, mode: "shadow" }),
  ];

  it("applies the consumer's, its group's, the route's, the provider's and the global limits, nobody else's", () => {
    const { planner } = recordingPlanner();
    const index = createLimitIndex(config(limits), 1);
    const call = index.forCall({ consumerId: "c1", groupId: "g1" }, route(), planner);
    expect(rulesOf(call.plan)).toEqual(["mine", "team", "route", "provider", "all"]);
    expect(call.metered).toBe(true);
    expect(call.price).toEqual({ input: 2.5, cachedInput: 2.5, output: 10 });
    expect(rulesOf(index.forCall({ consumerId: "c3", groupId: null }, route(), planner).plan)).toEqual([
      "route",
      "provider",
      "all",
    ]);
  });

  it("compiles each limit into the limiter's units and flags", () => {
    const { planner } = recordingPlanner();
    const index = createLimitIndex(
      config([...limits, limit("budget", { kind: "cost_usd", window: "month", limit: 12.5 })]),
      4,
    );
    const plan = index.forCall({ consumerId: "c1", groupId: "g1" }, route(), planner).plan as unknown as LimitRule[];
    const byId = new Map(plan.map((r) => [r.id, r]));
    expect(byId.get("budget")).toMatchObject({ limit: 12_500_000, quota: true, scopeKey: "consumer:c1" });
    expect(byId.get("team")).toMatchObject({ quota: true, scopeKey: "group:g1" });
    expect(byId.get("mine")).toMatchObject({ quota: false, localLimit: 3 });
    expect(byId.get("provider")).toMatchObject({ failurePolicy: "local", localLimit: 250, scopeKey: "provider:p1" });
    expect(byId.get("all")).toMatchObject({ shadow: true, scopeKey: "global" });
    expect(byId.get("route")).toMatchObject({ kind: "concurrency", window: null });
  });

  it("plans each (consumer, route) pair once, and again after the fleet size or the planner changes", () => {
    const { calls, planner } = recordingPlanner();
    const index = createLimitIndex(config(limits), 1);
    const caller = { consumerId: "c1", groupId: "g1" };
    const first = index.forCall(caller, route(), planner);
    expect(index.forCall(caller, route(), planner)).toBe(first);
    expect(calls).toHaveLength(1);
    index.setFleetSize(1);
    expect(index.forCall(caller, route(), planner)).toBe(first);
    index.setFleetSize(2);
    const again = index.forCall(caller, route(), planner);
    expect(again).not.toBe(first);
    expect((again.plan as unknown as LimitRule[]).find((r) => r.id === "provider")?.localLimit).toBe(500);
    const other = recordingPlanner();
    expect(index.forCall(caller, route(), other.planner)).not.toBe(again);
    expect(other.calls).toHaveLength(1);
  });

  it("refuses an unpriced model under a budget that denies unpriced models, and skips a budget that allows them", () => {
    const { planner } = recordingPlanner();
    const deny = createLimitIndex(config([limit("b", { kind: "cost_usd", window: "day", limit: 5 })]));
    const unpriced = deny.forCall({ consumerId: "c1", groupId: null }, route("my-finetune", "r9"), planner);
    expect(unpriced).toMatchObject({ refusedBy: "b", price: null, plan: null });
    expect(deny.forCall({ consumerId: "c1", groupId: null }, route(), planner).refusedBy).toBeNull();

    const allow = createLimitIndex(
      config([limit("b", { kind: "cost_usd", window: "day", limit: 5, onUnpriced: "allow" }), limit("r", {})]),
    );
    const call = allow.forCall({ consumerId: "c1", groupId: null }, route("my-finetune"), planner);
    expect([call.refusedBy, rulesOf(call.plan), call.metered]).toEqual([null, ["r"], false]);
  });

  it("makes no plan when no limit applies", () => {
    const { calls, planner } = recordingPlanner();
    const index = createLimitIndex(config([]));
    expect(index.forCall({ consumerId: "c1", groupId: null }, route("x"), planner)).toMatchObject({
      plan: null,
      metered: false,
    });
    expect(calls).toHaveLength(0);
  });
});
