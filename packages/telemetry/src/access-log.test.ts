import { Writable } from "node:stream";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { accessLog } from "./access-log.ts";
import { createLogger } from "./logger.ts";
import { type RequestIdVariables, requestId } from "./request-id.ts";

function setup() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ name: "test", destination });
  const app = new Hono<{ Variables: RequestIdVariables }>();
  app.use("*", requestId({ generate: () => "rid-1" }));
  app.use("*", accessLog({ logger }));
  app.post("/v1/chat/:model", (c) => c.json({ ok: true }, 201));
  app.get("/boom", () => {
    throw new Error("broken");
  });
  app.onError((_e, c) => c.text("internal", 500));
  const lines = () =>
    chunks
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { app, lines, raw: () => chunks.join("") };
}

describe("accessLog", () => {
  it("logs one line with method, route pattern, status, duration and request id", async () => {
    const { app, lines } = setup();
    await app.request("/v1/chat/gpt?x=1", { method: "POST", body: "{}" });
    const all = lines();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      msg: "request",
      level: 30,
      method: "POST",
      route: "/v1/chat/:model",
      status: 201,
      requestId: "rid-1",
    });
    expect(typeof all[0]?.durationMs).toBe("number");
  });

  it("never logs the body, query values, the raw path or credential headers", async () => {
    const { app, raw } = setup();
    await app.request("/v1/chat/secret-model?key=sk-query", {
      method: "POST",
      headers: { authorization: "Bearer sk-header", "x-api-key": "sk-anthropic" },
      body: JSON.stringify({ prompt: "very private prompt" }),
    });
    const text = raw();
    for (const s of ["sk-query", "sk-header", "sk-anthropic", "very private prompt", "secret-model"]) {
      expect(text).not.toContain(s);
    }
  });

  it("logs server errors at error level", async () => {
    const { app, lines } = setup();
    await app.request("/boom");
    expect(lines()[0]).toMatchObject({ level: 50, route: "/boom", status: 500 });
  });

  it("logs unmatched paths without the path", async () => {
    const { app, lines } = setup();
    await app.request("/not/here");
    expect(lines()[0]).toMatchObject({ route: "unmatched", status: 404 });
  });
});
