import { describe, expect, it } from "vitest";
import { formatResetDuration } from "./rate-limit-headers.ts";

describe("rate-limit headers", () => {
  it("formats durations like OpenAI (Go duration strings), rounding seconds up", () => {
    expect(formatResetDuration(0)).toBe("0ms");
    expect(formatResetDuration(6)).toBe("6ms");
    expect(formatResetDuration(999)).toBe("999ms");
    expect(formatResetDuration(1000)).toBe("1s");
    expect(formatResetDuration(11_001)).toBe("12s");
    expect(formatResetDuration(60_000)).toBe("1m0s");
    expect(formatResetDuration(125_000)).toBe("2m5s");
    expect(formatResetDuration(3_600_000 + 61_000)).toBe("1h1m1s");
  });
});
