import { describe, expect, it } from "vitest";
import { createBackoff } from "./backoff.ts";

describe("createBackoff", () => {
  it("doubles the window up to maxMs and picks uniformly inside it", () => {
    const top = createBackoff({ initialMs: 100, maxMs: 1_000, healthyAfterMs: 5_000, random: () => 0.999999 });
    expect(Array.from({ length: 6 }, () => top.next())).toEqual([99, 199, 399, 799, 999, 999]);
    const bottom = createBackoff({ initialMs: 100, maxMs: 1_000, healthyAfterMs: 5_000, random: () => 0 });
    expect(bottom.next()).toBe(0);
  });

  it("starts over only after a stream stayed connected long enough", () => {
    const b = createBackoff({ initialMs: 100, maxMs: 10_000, healthyAfterMs: 5_000, random: () => 0.5 });
    b.next();
    b.next();
    b.streamEnded(4_999);
    expect(b.next()).toBe(200);
    b.streamEnded(5_000);
    expect(b.next()).toBe(50);
  });
});
