import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { markAlreadySent, type RequestIdVariables, requestId } from "./request-id.ts";

const MARKED = markAlreadySent(new Response(null, { status: 201 }));

function app(opts?: Parameters<typeof requestId>[0]) {
  const a = new Hono<{ Variables: RequestIdVariables }>();
  a.use("*", requestId(opts));
  a.get("/", (c) => c.text(c.var.requestId));
  a.get("/raw", (c) => new Response(c.var.requestId, { status: 200 }));
  // Response.redirect() has immutable headers, like a response passed through from fetch().
  a.get("/frozen", () => Response.redirect("http://example.test/", 302));
  // What @hono/node-server's RESPONSE_ALREADY_SENT looks like: the handler wrote to the socket itself.
  a.get("/sent", () => new Response(null, { status: 200, headers: { "x-hono-already-sent": "true" } }));
  // A shared marker response made once with markAlreadySent (the data plane's): no header to find it by.
  a.get("/marked", () => MARKED);
  return a;
}

describe("requestId", () => {
  it("accepts a well-formed incoming id and echoes it", async () => {
    const res = await app().request("/", { headers: { "x-request-id": "abc.DEF_1:2-3" } });
    expect(await res.text()).toBe("abc.DEF_1:2-3");
    expect(res.headers.get("x-request-id")).toBe("abc.DEF_1:2-3");
  });

  it("generates a UUID when the request has no id", async () => {
    const res = await app().request("/");
    const id = await res.text();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(res.headers.get("x-request-id")).toBe(id);
  });

  it.each([
    ["too long", "a".repeat(129)],
    ["a space", "a b"],
    ["a quote", 'a"b'],
    ["a slash", "a/b"],
  ])("replaces an incoming id with %s", async (_what, bad) => {
    const res = await app({ generate: () => "fresh" }).request("/", { headers: { "x-request-id": bad } });
    expect(await res.text()).toBe("fresh");
    expect(res.headers.get("x-request-id")).toBe("fresh");
  });

  it("accepts exactly 128 characters", async () => {
    const id = "b".repeat(128);
    const res = await app({ generate: () => "fresh" }).request("/", { headers: { "x-request-id": id } });
    expect(await res.text()).toBe(id);
  });

  it("uses a custom header name", async () => {
    const res = await app({ header: "x-trace" }).request("/", { headers: { "x-trace": "t1" } });
    expect(await res.text()).toBe("t1");
    expect(res.headers.get("x-trace")).toBe("t1");
    expect(res.headers.get("x-request-id")).toBeNull();
  });

  it("keeps the header on a response built without the context headers", async () => {
    const res = await app({ generate: () => "g1" }).request("/raw");
    expect(res.headers.get("x-request-id")).toBe("g1");
  });

  it("adds the header to a response whose headers are immutable", async () => {
    const res = await app({ generate: () => "g2" }).request("/frozen");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("http://example.test/");
    expect(res.headers.get("x-request-id")).toBe("g2");
  });

  it("leaves a response the handler already wrote to the socket alone", async () => {
    const res = await app({ generate: () => "g3" }).request("/sent");
    expect(res.headers.get("x-request-id")).toBeNull();
  });

  it("leaves a response marked with markAlreadySent alone, so a shared marker never collects request ids", async () => {
    const a = app({ generate: () => "g4" });
    const first = await a.request("/marked");
    const second = await a.request("/marked");
    expect(first.status).toBe(201);
    expect(first.headers.get("x-request-id")).toBeNull();
    expect(second.headers.get("x-request-id")).toBeNull();
    expect(MARKED.headers.get("x-request-id")).toBeNull();
  });
});
