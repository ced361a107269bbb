import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDebouncer } from "./debounce.ts";

describe("debouncer (leading + trailing, max delay)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const make = () => {
    const runs: number[] = [];
    const d = createDebouncer({ waitMs: 25, maxWaitMs: 200, run: () => runs.push(Date.now()), now: Date.now });
    return { d, runs };
  };

  it("runs a lone trigger at once, and the next one after a quiet period at once too", () => {
    const { d, runs } = make();
    const t0 = Date.now();
    d.trigger();
    expect(runs).toEqual([t0]);
    vi.advanceTimersByTime(100);
    d.trigger();
    expect(runs).toEqual([t0, t0 + 100]);
  });

  it("collapses a burst into one trailing run once it goes quiet", () => {
    const { d, runs } = make();
    const t0 = Date.now();
    d.trigger();
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(10);
      d.trigger();
    }
    expect(runs).toHaveLength(1);
    vi.advanceTimersByTime(25);
    expect(runs).toEqual([t0, t0 + 75]);
  });

  it("never delays a trigger past maxWaitMs, so an endless burst still gets runs", () => {
    const { d, runs } = make();
    // 100 triggers in one second, every 10 ms: never a 25 ms pause.
    for (let i = 0; i < 100; i++) {
      d.trigger();
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(1_000);
    expect(runs.length).toBeGreaterThanOrEqual(5);
    expect(runs.length).toBeLessThanOrEqual(8);
    const gaps = runs.slice(1).map((t, i) => t - (runs[i] as number));
    for (const g of gaps) expect(g).toBeLessThanOrEqual(210);
  });

  it("runs an urgent trigger at once even during a burst", () => {
    const { d, runs } = make();
    d.trigger();
    vi.advanceTimersByTime(5);
    d.trigger();
    expect(runs).toHaveLength(1);
    d.trigger(true);
    expect(runs).toHaveLength(2);
    vi.advanceTimersByTime(100);
    expect(runs).toHaveLength(2);
  });
});
