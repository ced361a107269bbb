import type { Admission } from "@switchyard/ratelimit";
import { describe, expect, it } from "vitest";
import { admissionError, admissionHeaders, retryAfter } from "./admission-answer.ts";

const base: Admission = {
  allowed: false,
  blockedBy: "l1",
  reason: "rate_limit",
  retryAfterMs: 1500,
  requests: { limit: 100, remaining: 0, resetMs: 1500 },
  tokens: { limit: 10_000, remaining: 250, resetMs: 61_000 },
  degraded: false,
  shadowBlocked: [],
  lease: null,
};

describe("admission answers", () => {
  it("sends OpenAI's request and token headers", () => {
    expect(admissionHeaders(base)).toEqual({
      "x-ratelimit-limit-requests": "100",
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "2s",
      "x-ratelimit-limit-tokens": "10000",
      "x-ratelimit-remaining-tokens": "250",
      "x-ratelimit-reset-tokens": "1m1s",
    });
    expect(admissionHeaders({ ...base, tokens: null, requests: null })).toEqual({});
  });

  it("answers a rate limit with 429 rate_limit_exceeded and retry-after", () => {
    const e = admissionError(base, {});
    expect([e.status, e.code, e.headers?.["retry-after"], e.headers?.["x-should-retry"]]).toEqual([
      429,
      "rate_limit_exceeded",
      "2",
      undefined,
    ]);
  });

  it("answers an exhausted quota with 429 insufficient_quota the SDKs do not retry", () => {
    const e = admissionError({ ...base, reason: "quota", retryAfterMs: 3_600_000 }, {});
    expect([e.status, e.code, e.headers?.["retry-after"], e.headers?.["x-should-retry"]]).toEqual([
      429,
      "insufficient_quota",
      "60",
      "false",
    ]);
  });

  it("answers a fail-closed limit Redis could not check with 503", () => {
    const e = admissionError({ ...base, reason: "unavailable", retryAfterMs: 0 }, {});
    expect([e.status, e.code, e.headers?.["retry-after"]]).toEqual([503, "limits_unavailable", "1"]);
  });

  it("keeps retry-after between 1 and 60 seconds", () => {
    expect([retryAfter(0), retryAfter(1), retryAfter(59_001), retryAfter(1e9)]).toEqual(["1", "1", "60", "60"]);
  });
});
