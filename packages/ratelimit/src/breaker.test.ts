import { describe, expect, it } from "vitest";
import { createBreaker } from "./breaker.ts";

describe("createBreaker", () => {
  it("opens after N consecutive failures, lets one probe through per backoff, doubles it, closes on success", () => {
    const t = { ms: 0 };
    const b = createBreaker({ failureThreshold: 3, baseBackoffMs: 250, maxBackoffMs: 1000, now: () => t.ms });
    expect(b.allow()).toBe(true);
    expect(b.failure()).toBe(false);
    b.success(); // a success in between resets the count
    b.failure();
    b.failure();
    expect(b.isOpen()).toBe(false);
    expect(b.failure()).toBe(true);
    expect(b.isOpen()).toBe(true);
    expect(b.allow()).toBe(false);
    t.ms = 250;
    expect(b.allow()).toBe(true); // the probe
    expect(b.allow()).toBe(false); // only one
    b.failure(); // probe failed: open for 500 ms
    t.ms = 749;
    expect(b.allow()).toBe(false);
    t.ms = 750;
    expect(b.allow()).toBe(true);
    b.failure(); // 1000 ms (capped)
    t.ms = 1750;
    expect(b.allow()).toBe(true);
    b.failure(); // still capped at 1000
    t.ms = 2749;
    expect(b.allow()).toBe(false);
    t.ms = 2750;
    expect(b.allow()).toBe(true);
    expect(b.success()).toBe(true);
    expect(b.isOpen()).toBe(false);
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(true);
  });
});
