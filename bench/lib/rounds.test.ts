import { describe, expect, it } from "vitest";
import type { Measured } from "./measure.ts";
import { combineRounds, median, perRound } from "./rounds.ts";

function measured(cpuUs: number, p50: number, p99: number, ok = 100): Measured {
  const s = (x: number, y: number) => ({ count: ok, mean: x, p50: x, p90: (x + y) / 2, p99: y, max: y + 1 });
  return {
    load: {
      kind: "open",
      ok,
      errors: 1,
      windowMs: 1000,
      rps: ok,
      latency: s(p50, p99),
      ttfb: s(p50 / 2, p99 / 2),
      sendLag: null,
    },
    cpuSeconds: (cpuUs * ok) / 1e6,
    cpuUsPerRequest: cpuUs,
    cpuUtilization: 0.5,
  };
}

describe("bench rounds", () => {
  it("takes the median of finite values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });

  it("combines rounds: counts summed, figures the medians, a burst in one round left out", () => {
    const c = combineRounds([measured(100, 1, 4), measured(300, 9, 40), measured(110, 1.2, 5)]);
    expect(c.cpuUsPerRequest).toBe(110);
    expect(c.load.latency.p50).toBe(1.2);
    expect(c.load.latency.p99).toBe(5);
    expect(c.load.latency.max).toBe(41);
    expect(c.load.ok).toBe(300);
    expect(c.load.errors).toBe(3);
    expect(c.load.windowMs).toBe(3000);
    expect(c.cpuSeconds).toBeCloseTo((100 + 300 + 110) * 1e-4);
  });

  it("pairs rounds in order for per-round comparisons", () => {
    const a = [measured(100, 1, 2), measured(200, 1, 2)];
    const b = [measured(50, 1, 2), measured(80, 1, 2), measured(10, 1, 2)];
    expect(perRound(a, b, (x, y) => y.cpuUsPerRequest / x.cpuUsPerRequest)).toEqual([0.5, 0.4]);
  });
});
