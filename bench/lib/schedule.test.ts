import { describe, expect, it } from "vitest";
import { dueAt, dueCount, openLoopPlan } from "./schedule.ts";

describe("open-loop schedule", () => {
  it("spaces requests evenly from the start time", () => {
    const plan = openLoopPlan(1000, 500, 2000);
    expect(plan.total).toBe(1000);
    expect(dueAt(plan, 0)).toBe(1000);
    expect(dueAt(plan, 1)).toBe(1002);
    expect(dueAt(plan, 500)).toBe(2000);
  });

  it("counts due requests without skipping or exceeding the plan", () => {
    const plan = openLoopPlan(0, 2000, 1000); // one every 0.5 ms
    expect(dueCount(plan, -1)).toBe(0);
    expect(dueCount(plan, 0)).toBe(1);
    expect(dueCount(plan, 0.49)).toBe(1);
    expect(dueCount(plan, 0.5)).toBe(2);
    expect(dueCount(plan, 10)).toBe(21);
    // A generator that wakes late sends the backlog at once; latency still counts from each due time.
    expect(dueCount(plan, 999.9)).toBe(2000);
    expect(dueCount(plan, 5000)).toBe(2000);
  });
});
