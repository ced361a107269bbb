import { describe, expect, it } from "vitest";
import { parseTarget } from "./target.ts";

describe("parseTarget", () => {
  it("accepts host:port and http://host:port", () => {
    expect(parseTarget("cp.internal:7443").address).toBe("cp.internal:7443");
    expect(parseTarget("http://127.0.0.1:50051/").address).toBe("127.0.0.1:50051");
    expect(parseTarget("[::1]:50051").address).toBe("[::1]:50051");
  });

  it("refuses TLS for now, other schemes, and addresses without a port", () => {
    expect(() => parseTarget("https://cp:443")).toThrow(/TLS/);
    expect(() => parseTarget("ftp://cp:21")).toThrow(/scheme/);
    expect(() => parseTarget("cp.internal")).toThrow(/host:port/);
  });
});
