import { describe, expect, it } from "vitest";
import { bypassesProxy, parseNoProxy } from "./no-proxy.ts";

describe("NO_PROXY", () => {
  const list = parseNoProxy("localhost, .internal.example.com *.corp.example,10.1.2.3,api.example.org:8443,[::1]:9000");

  it("matches names, their subdomains, IP literals and ports as curl does", () => {
    expect(bypassesProxy(list, "localhost", 443)).toBe(true);
    expect(bypassesProxy(list, "LOCALHOST.", 443)).toBe(true);
    expect(bypassesProxy(list, "internal.example.com", 443)).toBe(true);
    expect(bypassesProxy(list, "a.b.internal.example.com", 443)).toBe(true);
    expect(bypassesProxy(list, "x.corp.example", 443)).toBe(true);
    expect(bypassesProxy(list, "10.1.2.3", 80)).toBe(true);
    expect(bypassesProxy(list, "api.example.org", 8443)).toBe(true);
    expect(bypassesProxy(list, "api.example.org", 443)).toBe(false);
    expect(bypassesProxy(list, "[::1]", 9000)).toBe(true);
    expect(bypassesProxy(list, "::1", 9001)).toBe(false);
  });

  it("does not match look-alikes", () => {
    expect(bypassesProxy(list, "notlocalhost", 443)).toBe(false);
    expect(bypassesProxy(list, "example.com", 443)).toBe(false);
    expect(bypassesProxy(list, "10.1.2.34", 443)).toBe(false);
    expect(bypassesProxy(list, "api.openai.com", 443)).toBe(false);
    expect(bypassesProxy([], "localhost", 443)).toBe(false);
  });

  it("bypasses everything with *", () => {
    expect(bypassesProxy(parseNoProxy("*"), "api.openai.com", 443)).toBe(true);
  });
});
