import { describe, expect, it } from "vitest";
import { CENSOR, redactSecrets } from "./redact-secrets.ts";

describe("redactSecrets", () => {
  it("returns the same object when there is nothing to censor", () => {
    const line = { method: "POST", route: "/v1/chat/completions", status: 200, nested: { a: [1, 2] } };
    expect(redactSecrets(line)).toBe(line);
  });

  it("censors secret fields at levels 0 to 3, copying instead of changing the input", () => {
    const input = {
      a: 1,
      apiKey: "sk-0",
      headers: { accept: "json", authorization: "Bearer sk-1" },
      l1: { l2: { l3: { token: "t-3", keep: true } } },
      list: [{ "x-api-key": "sk-arr" }],
      z: "last",
    };
    const out = redactSecrets(input);
    expect(out).toEqual({
      a: 1,
      apiKey: CENSOR,
      headers: { accept: "json", authorization: CENSOR },
      l1: { l2: { l3: { token: CENSOR, keep: true } } },
      list: [{ "x-api-key": CENSOR }],
      z: "last",
    });
    expect(Array.isArray(out.list)).toBe(true);
    expect(input.apiKey).toBe("sk-0");
    expect(input.headers.authorization).toBe("Bearer sk-1");
  });

  it("leaves level 4 and byte buffers alone, and keeps an error's name and message", () => {
    const deep = { l1: { l2: { l3: { l4: { token: "deep" } } } } };
    expect(redactSecrets(deep)).toBe(deep);
    const buf = { body: Buffer.from("token") };
    expect(redactSecrets(buf)).toBe(buf);
    const e = Object.assign(new TypeError("bad"), { config: { password: "p" } });
    expect(redactSecrets({ err: e }).err).toEqual({ type: "TypeError", message: "bad", config: { password: CENSOR } });
  });
});
