import { describe, expect, it } from "vitest";
import { evaluate } from "./evaluate.ts";
import type { Measured } from "./measure.ts";
import type { LatencyRow, ThroughputRow } from "./results.ts";
import { combineRounds } from "./rounds.ts";
import type { TargetName } from "./target.ts";

function m(cpuUs: number, p50 = 1, p99 = 2): Measured {
  const s = { count: 100, mean: p50, p50, p90: p99, p99, max: p99 };
  return {
    load: { kind: "closed", ok: 100, errors: 0, windowMs: 1000, rps: 100, latency: s, ttfb: s, sendLag: null },
    cpuSeconds: cpuUs * 1e-4,
    cpuUsPerRequest: cpuUs,
    cpuUtilization: 0.9,
  };
}
const tRow = (target: TargetName, rounds: Measured[]): ThroughputRow => ({
  target,
  mode: "plain",
  measured: combineRounds(rounds),
  rounds,
});
const lRow = (target: TargetName, rounds: Measured[]): LatencyRow => ({
  target,
  mode: "plain",
  rate: 500,
  measured: combineRounds(rounds),
  rounds,
});

describe("evaluate with rounds", () => {
  it("takes the median of per-round ratios, so a burst in one round of one target does not decide", () => {
    // Round 2 is a burst for (3) only; rounds 1 and 3 are slow for both, which the per-round ratio cancels.
    const checks = evaluate(
      [tRow("proxy", [m(100), m(70), m(100)]), tRow("switchyard", [m(140), m(400), m(150)])],
      [],
      null,
    );
    const c = checks.find((x) => x.name.startsWith("non-streaming throughput"))!;
    expect(c.rounds).toEqual([100 / 140, 70 / 400, 100 / 150]);
    expect(c.measured).toBeCloseTo(100 / 150);
    expect(c.met).toBe(false);
  });

  it("reads added latency round by round against (1)", () => {
    const checks = evaluate(
      [],
      [
        lRow("direct", [m(10, 1.0, 2), m(10, 3.0, 9), m(10, 1.1, 2)]),
        lRow("switchyard", [m(10, 1.3, 3), m(10, 3.2, 30), m(10, 1.5, 3.5)]),
      ],
      null,
    );
    const p50 = checks.find((x) => x.name === "non-streaming added p50 at 500 rps")!;
    const p99 = checks.find((x) => x.name === "non-streaming added p99 at 500 rps")!;
    expect(p50.measured).toBeCloseTo(0.3);
    expect(p50.met).toBe(true);
    expect(p99.rounds).toEqual([1, 21, 1.5]);
    expect(p99.measured).toBeCloseTo(1.5);
    expect(p99.met).toBe(true);
  });
});
