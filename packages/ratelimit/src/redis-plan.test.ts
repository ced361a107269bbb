import { describe, expect, it } from "vitest";
import { ACQUIRE_SEPARATOR, COUNTER_EXPIRY_MARGIN_MS } from "./engine-scripts.ts";
import { compileRedisPlan } from "./redis-plan.ts";
import { testRule } from "./test-rules.ts";
import { KIND_CODE, WINDOW_CODE } from "./windows.ts";

describe("compileRedisPlan: the acquire script's packed arguments", () => {
  it("packs the documented argument list around the per-request part, counters shared by rules once", () => {
    const scopeKey = "consumer:c1";
    const rules = [
      testRule("requests", 10, { scopeKey }),
      testRule("concurrency", 3, { scopeKey }),
      // Same scope, kind and window as the first: the same counter, a second threshold over it.
      testRule("requests", 5, { scopeKey, shadow: true }),
      testRule("input_tokens", 900, { scopeKey, window: "day" }),
    ];
    const plan = compileRedisPlan({}, "sy", rules, false, 60_000);
    expect(plan.groups).toHaveLength(1);
    const g = plan.groups[0]!;
    expect(g.keys).toHaveLength(3);
    const packed = `${g.packedHead}lease.1${ACQUIRE_SEPARATOR}7${ACQUIRE_SEPARATOR}8${ACQUIRE_SEPARATOR}9${g.packedTail}`;
    expect(packed.split(ACQUIRE_SEPARATOR)).toEqual([
      "60000",
      String(COUNTER_EXPIRY_MARGIN_MS),
      "lease.1",
      "7",
      "8",
      "9",
      // per counter: kind code, window code (0 for concurrency)
      String(KIND_CODE.requests),
      String(WINDOW_CODE.minute),
      String(KIND_CODE.concurrency),
      "0",
      String(KIND_CODE.input_tokens),
      String(WINDOW_CODE.day),
      // per rule: its counter (1-based), limit, shadow
      "1",
      "10",
      "0",
      "2",
      "3",
      "0",
      "1",
      "5",
      "1",
      "3",
      "900",
      "0",
    ]);
  });
});
