import { describe, expect, it } from "vitest";
import { createConfigFreshness } from "./config-freshness.ts";

const ack = (source: "stream" | "disk") => ({ result: "ack" as const, source, version: "v", durationMs: 1 });
const nack = { result: "nack" as const, source: "stream" as const, version: "v2", durationMs: 1 };

describe("config freshness", () => {
  it("has no age before anything is applied, and none while connected and current", () => {
    let t = 1_000;
    const f = createConfigFreshness(() => t);
    expect(f.ageMs()).toBeNull();
    f.onState("connecting");
    f.onState("connected");
    expect(f.connected()).toBe(true);
    expect(f.ageMs()).toBeNull();
    f.onApply(ack("stream"));
    t += 5_000;
    expect(f.ageMs()).toBe(0);
  });

  it("ages from the disconnect, and from the last good push after a rejected one", () => {
    let t = 0;
    const f = createConfigFreshness(() => t);
    f.onState("connected");
    f.onApply(ack("stream"));
    t = 10_000;
    f.onState("disconnected");
    t = 13_000;
    expect(f.connected()).toBe(false);
    expect(f.ageMs()).toBe(3_000);
    f.onState("connected");
    expect(f.ageMs()).toBe(0);
    f.onApply(nack);
    t = 20_000;
    expect(f.ageMs()).toBe(10_000);
  });

  it("takes a disk snapshot's age from its file", () => {
    const t = 100_000;
    const f = createConfigFreshness(() => t);
    f.onApply(ack("disk"), 40_000);
    expect(f.ageMs()).toBe(60_000);
  });
});
