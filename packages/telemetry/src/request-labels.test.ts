import { describe, expect, it } from "vitest";
import { methodLabel, statusClass } from "./request-labels.ts";

describe("request labels", () => {
  it("gives the status class of any status, the same string object each time for the usual ones", () => {
    expect([100, 200, 204, 302, 404, 429, 500, 503].map(statusClass)).toEqual([
      "1xx",
      "2xx",
      "2xx",
      "3xx",
      "4xx",
      "4xx",
      "5xx",
      "5xx",
    ]);
    expect(statusClass(999)).toBe("9xx");
    expect(statusClass(0)).toBe("0xx");
  });

  it("keeps methods bounded", () => {
    expect(methodLabel("POST")).toBe("POST");
    expect(methodLabel("BREW")).toBe("OTHER");
  });
});
