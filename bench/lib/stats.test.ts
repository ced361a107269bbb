import { describe, expect, it } from "vitest";
import { addedLatency, percentile, Samples, summarize } from "./stats.ts";

describe("percentile (nearest rank)", () => {
  it("picks an observed value at the right rank", () => {
    const s = Float64Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(s, 50)).toBe(50);
    expect(percentile(s, 90)).toBe(90);
    expect(percentile(s, 99)).toBe(99);
    expect(percentile(s, 100)).toBe(100);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
  });

  it("is NaN for no samples and refuses percentiles outside (0, 100]", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe("summarize", () => {
  it("sorts unsorted samples numerically, not as strings", () => {
    const s = summarize([10, 9, 100, 1, 2]);
    expect(s).toMatchObject({ count: 5, p50: 9, max: 100, mean: 24.4 });
  });

  it("reports added latency per percentile", () => {
    const base = summarize([1, 1, 1, 1]);
    const target = summarize([1.5, 1.5, 1.5, 3]);
    expect(addedLatency(target, base)).toEqual({ p50: 0.5, p90: 2, p99: 2 });
  });
});

describe("Samples", () => {
  it("keeps every pushed value across growth", () => {
    const s = new Samples();
    for (let i = 0; i < 5000; i++) s.push(i);
    expect(s.length).toBe(5000);
    expect(s.values()[4999]).toBe(4999);
    expect(summarize(s.values()).p50).toBe(2499);
  });
});
