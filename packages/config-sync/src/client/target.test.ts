import { describe, expect, it } from "vitest";
import { parseTarget } from "./target.ts";

describe("parseTarget", () => {
  it("accepts host:port and http://host:port as plaintext", () => {
    expect(parseTarget("cp.internal:7443")).toMatchObject({ address: "cp.internal:7443", tls: false });
    expect(parseTarget("http://127.0.0.1:50051/").address).toBe("127.0.0.1:50051");
    expect(parseTarget("[::1]:50051").address).toBe("[::1]:50051");
  });

  it("uses TLS for https://, with a server name override when asked", () => {
    const t = parseTarget("https://cp.example:443", { serverName: "cp.internal" });
    expect(t).toMatchObject({ address: "cp.example:443", tls: true });
    expect(t.channelOptions).toEqual({ "grpc.ssl_target_name_override": "cp.internal" });
    expect(t.credentials()._isSecure()).toBe(true);
  });

  it("refuses other schemes, addresses without a port, and half a client certificate", () => {
    expect(() => parseTarget("ftp://cp:21")).toThrow(/scheme/);
    expect(() => parseTarget("cp.internal")).toThrow(/host:port/);
    expect(() => parseTarget("https://cp:443", { certFile: "/x.pem" })).toThrow(/both/);
  });
});
