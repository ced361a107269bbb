import { describe, expect, it } from "vitest";
import { renderError, streamErrorEvent } from "./error-info.ts";
import { upstreamError } from "./upstream-error.ts";

const dec = new TextDecoder();
const render = (format: "openai" | "anthropic", status: number) => {
  const r = renderError(format, { status, message: "m", retryAfter: "4", retryAfterMs: "4000" });
  return { status: r.status, body: JSON.parse(dec.decode(r.body)), headers: r.headers };
};

describe("error mapping", () => {
  it("gives each status its OpenAI status, type and code", () => {
    const table = [400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529].map((s) => {
      const r = render("openai", s);
      return [s, r.status, r.body.error.type, r.body.error.code];
    });
    expect(table).toEqual([
      [400, 400, "invalid_request_error", null],
      [401, 401, "invalid_request_error", "invalid_api_key"],
      [403, 403, "invalid_request_error", "permission_denied"],
      [404, 404, "invalid_request_error", "not_found"],
      [408, 408, "timeout", "request_timeout"],
      [409, 409, "invalid_request_error", "conflict"],
      [413, 413, "invalid_request_error", "request_too_large"],
      [422, 422, "invalid_request_error", "unprocessable_entity"],
      [429, 429, "requests", "rate_limit_exceeded"],
      [500, 500, "server_error", null],
      [502, 502, "api_error", "upstream_error"],
      [503, 503, "server_error", "overloaded"],
      [504, 504, "api_error", "upstream_timeout"],
      [529, 503, "server_error", "overloaded"],
    ]);
  });

  it("gives each status Anthropic's status and error type", () => {
    const table = [400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529].map((s) => {
      const r = render("anthropic", s);
      expect(r.body.type).toBe("error");
      return [s, r.status, r.body.error.type];
    });
    expect(table).toEqual([
      [400, 400, "invalid_request_error"],
      [401, 401, "authentication_error"],
      [403, 403, "permission_error"],
      [404, 404, "not_found_error"],
      [408, 408, "timeout_error"],
      [409, 409, "invalid_request_error"],
      [413, 413, "request_too_large"],
      [422, 422, "invalid_request_error"],
      [429, 429, "rate_limit_error"],
      [500, 500, "api_error"],
      [502, 502, "api_error"],
      [503, 529, "overloaded_error"],
      [504, 504, "timeout_error"],
      [529, 529, "overloaded_error"],
    ]);
  });

  it("keeps retry hints, an unknown status becomes 502, and same-format types survive", () => {
    expect(render("openai", 429).headers).toEqual({
      "content-type": "application/json",
      "retry-after": "4",
      "retry-after-ms": "4000",
    });
    expect(render("openai", 302).status).toBe(502);
    const e = upstreamError(
      "openai",
      { status: 429, headers: { "retry-after": "9" } },
      '{"error":{"message":"Quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}',
    );
    expect(JSON.parse(dec.decode(renderError("openai", e).body)).error).toEqual({
      message: "Quota",
      type: "insufficient_quota",
      param: null,
      code: "insufficient_quota",
    });
    expect(JSON.parse(dec.decode(renderError("anthropic", e).body)).error).toEqual({
      type: "rate_limit_error",
      message: "Quota",
    });
    expect(renderError("anthropic", e).headers["retry-after"]).toBe("9");
  });

  it("reads each dialect's error body", () => {
    const h = { status: 404, headers: {} };
    expect(upstreamError("ollama", h, '{"error":"model not found"}').message).toBe("model not found");
    expect(upstreamError("gemini", h, '{"error":{"code":404,"message":"no model","status":"NOT_FOUND"}}').message).toBe(
      "no model",
    );
    expect(
      upstreamError("anthropic", h, '{"type":"error","error":{"type":"not_found_error","message":"nope"}}'),
    ).toMatchObject({ message: "nope", type: "not_found_error" });
    expect(upstreamError("openai", h, "<html>bad gateway</html>").message).toBe(
      "The upstream provider answered with status 404.",
    );
  });

  it("frames stream errors so each SDK raises them", () => {
    expect(streamErrorEvent("anthropic", { status: 529, message: "Overloaded" })).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    );
    expect(streamErrorEvent("openai", { status: 502, message: "x" })).toBe(
      'data: {"error":{"message":"x","type":"api_error","param":null,"code":"upstream_error"}}\n\n',
    );
  });
});
