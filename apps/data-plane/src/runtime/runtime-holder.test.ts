import { describe, expect, it } from "vitest";
import { mockProvider, openAIProvider, route, snapshot } from "../testing/snapshot-fixture.ts";
import { createPoolSet } from "./pool-set.ts";
import { createRuntimeHolder } from "./runtime-holder.ts";

function httpPool(holder: ReturnType<typeof createRuntimeHolder>, alias: string) {
  const up = holder.current()?.routes.get(alias)?.upstream;
  if (up?.transport !== "http") throw new Error(`${alias} is not an http route`);
  return up.pool;
}

describe("RuntimeHolder", () => {
  it("is empty until a snapshot is applied", () => {
    expect(createRuntimeHolder().current()).toBeNull();
  });

  it("reuses a pool across snapshots while its origin is unchanged, and closes it once unused", async () => {
    const pools = createPoolSet();
    const holder = createRuntimeHolder({ pools });
    const a = openAIProvider("https://a.example/v1");
    expect(holder.apply(snapshot({ providers: [a], routes: [route("gpt", a.id, "m1")] }, 1n)).ok).toBe(true);
    const first = httpPool(holder, "gpt");

    // Another route, another model, same origin: the warm pool stays.
    const s2 = snapshot(
      { providers: [a, mockProvider()], routes: [route("gpt", a.id, "m2"), route("m", "prov-mock")] },
      2n,
    );
    expect(holder.apply(s2).ok).toBe(true);
    expect(httpPool(holder, "gpt")).toBe(first);
    expect(holder.current()?.generation).toBe(2n);

    // The origin changes: a new pool, and the old one is closed after the swap.
    const b = openAIProvider("https://b.example/v1");
    expect(holder.apply(snapshot({ providers: [b], routes: [route("gpt", b.id)] }, 3n)).ok).toBe(true);
    const second = httpPool(holder, "gpt");
    expect(second).not.toBe(first);
    await new Promise((r) => setImmediate(r));
    expect(first.closed).toBe(true);
    expect(second.closed).toBe(false);
    expect(pools.size()).toBe(1);
    await holder.close();
    expect(second.closed).toBe(true);
  });

  it("keeps the old runtime when a snapshot does not compile", () => {
    const holder = createRuntimeHolder();
    const good = snapshot({ providers: [mockProvider()], routes: [route("m", "prov-mock")] }, 1n);
    holder.apply(good);
    const res = holder.apply(snapshot({ providers: [openAIProvider("ftp://x")], routes: [] }, 2n));
    expect(res).toMatchObject({
      ok: false,
      error: { code: "invalid_provider", entityKind: "provider", entityId: "prov-openai" },
    });
    expect(holder.current()?.version).toBe(good.version);
  });

  it("with the test hook, refuses a snapshot holding the named alias and keeps the old runtime whole", () => {
    const holder = createRuntimeHolder({ rejectRouteAlias: "poison" });
    const good = snapshot({ providers: [mockProvider()], routes: [route("m", "prov-mock", "v1")] }, 1n);
    expect(holder.apply(good).ok).toBe(true);
    const bad = snapshot(
      { providers: [mockProvider()], routes: [route("m", "prov-mock", "v2"), route("poison", "prov-mock")] },
      2n,
    );
    expect(holder.apply(bad)).toMatchObject({
      ok: false,
      error: { code: "rejected_by_test_hook", entityKind: "route", entityId: "route-poison" },
    });
    expect(holder.current()?.version).toBe(good.version);
    expect(holder.current()?.routes.get("m")?.target.upstreamModel).toBe("v1");
  });
});
