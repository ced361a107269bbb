import { describe, expect, it } from "vitest";
import { outcomeOf } from "./upstream-metrics.ts";

describe("outcomeOf", () => {
  it("maps a status to its bounded class label, odd statuses included", () => {
    expect([101, 200, 299, 304, 400, 429, 500, 504].map(outcomeOf)).toEqual([
      "1xx",
      "2xx",
      "2xx",
      "3xx",
      "4xx",
      "4xx",
      "5xx",
      "5xx",
    ]);
    expect(outcomeOf(0)).toBe("1xx");
    expect(outcomeOf(999)).toBe("5xx");
  });
});
