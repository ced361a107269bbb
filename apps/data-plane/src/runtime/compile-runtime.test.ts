import { createMemoryLimiter } from "@switchyard/ratelimit";
import { describe, expect, it } from "vitest";
import {
  apiKey,
  consumer,
  hashKey,
  mockProvider,
  openAIProvider,
  route,
  rpmLimit,
  snapshot,
} from "../testing/snapshot-fixture.ts";
import { compileRuntime } from "./compile-runtime.ts";
import { createPoolSet } from "./pool-set.ts";

const limiter = createMemoryLimiter();
const planner = limiter.plan.bind(limiter);

const base = {
  providers: [mockProvider(), openAIProvider("https://api.example.com/v1/")],
  routes: [route("fast", "prov-mock", "mock-1"), route("gpt", "prov-openai", "gpt-4o-mini")],
  consumers: [consumer("c1"), consumer("c2", false)],
  apiKeys: [apiKey("sk-one", "c1"), apiKey("sk-two", "c2")],
  limits: [rpmLimit("c1", 10)],
};

describe("compileRuntime", () => {
  it("maps key hashes of enabled consumers to their grants, and plans their limits on first use", () => {
    const rt = compileRuntime(snapshot(base, 7n), createPoolSet());
    if (!rt.ok) throw new Error(rt.error.message);
    expect(rt.value.generation).toBe(7n);
    const grant = rt.value.keys.get(hashKey("sk-one"));
    expect(grant).toEqual({ consumerId: "c1", groupId: null });
    expect(rt.value.keys.has(hashKey("sk-two"))).toBe(false);
    const limits = rt.value.limits.forCall(grant!, rt.value.routes.get("gpt")!, planner);
    expect(limits.plan?.rules).toEqual([
      {
        id: "limit-c1",
        kind: "requests",
        window: "minute",
        limit: 10,
        scopeKey: "consumer:c1",
        failurePolicy: "fail-closed",
        localLimit: 10,
        shadow: false,
        quota: false,
        cutoff: false,
      },
    ]);
  });

  it("compiles routes with origin, base path, headers and one pool per origin", () => {
    const pools = createPoolSet();
    const rt = compileRuntime(snapshot(base), pools);
    if (!rt.ok) throw new Error(rt.error.message);
    const gpt = rt.value.routes.get("gpt");
    expect(gpt?.target).toEqual({
      basePath: "/v1",
      upstreamModel: "gpt-4o-mini",
      headers: { "content-type": "application/json", accept: "application/json", authorization: "Bearer sk-upstream" },
    });
    expect(gpt?.upstream).toMatchObject({
      transport: "http",
      origin: "https://api.example.com",
      firstByteTimeoutMs: 5_000,
    });
    expect(rt.value.routes.get("fast")?.upstream.transport).toBe("local");
    expect(pools.size()).toBe(1);
    expect(JSON.parse(rt.value.modelsBody)).toEqual({
      object: "list",
      data: [
        { id: "fast", object: "model", created: 0, owned_by: "switchyard" },
        { id: "gpt", object: "model", created: 0, owned_by: "switchyard" },
      ],
    });
  });

  it("carries an Azure provider's API version and a route's strict mode into the compiled route", () => {
    const azure = openAIProvider("https://res.openai.azure.com", {
      id: "prov-azure",
      kind: "azure-openai",
      apiVersion: "2025-04-01-preview",
    });
    const rt = compileRuntime(
      snapshot({ ...base, providers: [...base.providers, azure], routes: [route("az", "prov-azure", "dep", true)] }),
      createPoolSet(),
    );
    if (!rt.ok) throw new Error(rt.error.message);
    const az = rt.value.routes.get("az");
    expect(az?.strict).toBe(true);
    expect(az?.target).toEqual({
      basePath: "",
      upstreamModel: "dep",
      headers: expect.objectContaining({ "api-key": "sk-upstream" }),
      apiVersion: "2025-04-01-preview",
    });
    const rt2 = compileRuntime(snapshot(base), createPoolSet());
    if (!rt2.ok) throw new Error(rt2.error.message);
    expect(rt2.value.routes.get("gpt")?.strict).toBe(false);
  });

  it.each([
    ["a bad base URL", { providers: [openAIProvider("not a url")] }, "invalid_provider", "provider", "prov-openai"],
    [
      "credentials in the base URL",
      { providers: [openAIProvider("https://u:p@x.example/v1")] },
      "invalid_provider",
      "provider",
      "prov-openai",
    ],
    [
      "an openai provider without a key",
      { providers: [openAIProvider("https://x.example", { apiKey: null })] },
      "invalid_provider",
      "provider",
      "prov-openai",
    ],
    [
      "an unknown kind",
      { providers: [{ ...mockProvider("prov-new"), kind: "anthropic-v9" as never }] },
      "unknown_provider_kind",
      "provider",
      "prov-new",
    ],
    [
      "a route to a missing provider",
      { providers: [], routes: [route("gpt", "prov-gone")] },
      "invalid_route",
      "route",
      "route-gpt",
    ],
    [
      "an unknown limit kind",
      { limits: [rpmLimit("c1", 5, { kind: "joules" as never })] },
      "unsupported_limit",
      "limit",
      "limit-c1",
    ],
    [
      "a concurrency limit with a window",
      { limits: [rpmLimit("c1", 5, { kind: "concurrency", window: "minute" })] },
      "invalid_limit",
      "limit",
      "limit-c1",
    ],
  ])("refuses %s, naming the entity, without touching pools", (_name, parts, code, entityKind, entityId) => {
    const pools = createPoolSet();
    const rt = compileRuntime(snapshot({ ...base, ...parts }), pools);
    expect(rt.ok).toBe(false);
    if (rt.ok) return;
    expect(rt.error).toMatchObject({ code, entityKind, entityId });
    expect(rt.error.message.length).toBeGreaterThan(0);
    expect(pools.size()).toBe(0);
  });
});
