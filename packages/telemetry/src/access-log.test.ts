import { Writable } from "node:stream";
import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import { type AccessLine, accessLineWriter, accessLog, logRequest } from "./access-log.ts";
import { createLogger, type Logger } from "./logger.ts";
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

describe("accessLineWriter", () => {
  function capture(level = "info") {
    const chunks: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        chunks.push(String(chunk));
        cb();
      },
    });
    const logger = createLogger({ name: "dp", level, destination });
    return { logger, chunks };
  }
  // pino's time field is the only part that differs between two writes.
  const sameTime = (line: string) => line.replace(/"time":\d+/, '"time":0');

  it("writes byte for byte the line pino writes for the same fields, on the root logger and on a child", () => {
    const lines: AccessLine[] = [
      { method: "POST", route: "/v1/chat/completions", status: 200, durationMs: 1.234, requestId: "rid-1" },
      { method: "GET", route: "/v1/models", status: 404, durationMs: 0, requestId: null },
      { method: "POST", route: '/v1/"odd"\\path', status: 429, durationMs: 12, requestId: "a.b:c-d_e" },
    ];
    for (const make of [(l: Logger) => l, (l: Logger) => l.child({ component: "access", token: "sk-secret" })]) {
      const { logger, chunks } = capture();
      const target = make(logger);
      const write = accessLineWriter(target);
      const info = vi.spyOn(target, "info");
      for (const line of lines) write(line);
      // The fast path wrote them, not pino's `info`.
      expect(info).not.toHaveBeenCalled();
      info.mockRestore();
      const fast = chunks.splice(0);
      for (const [i, line] of lines.entries()) {
        chunks.push(fast[i]!);
        logRequest(target, line);
      }
      expect(chunks).toHaveLength(lines.length * 2);
      for (let i = 0; i < chunks.length; i += 2) expect(sameTime(chunks[i]!)).toBe(sameTime(chunks[i + 1]!));
      expect(chunks.join("")).not.toContain("sk-secret");
    }
  });

  it("writes server errors at level error, and nothing below the logger's level", () => {
    const { logger, chunks } = capture("warn");
    const write = accessLineWriter(logger);
    write({ method: "POST", route: "/v1/chat/completions", status: 200, durationMs: 1, requestId: "r" });
    expect(chunks).toHaveLength(0);
    write({ method: "POST", route: "/v1/chat/completions", status: 502, durationMs: 1, requestId: "r" });
    expect(chunks).toHaveLength(1);
    expect(JSON.parse(chunks[0]!)).toMatchObject({ level: 50, status: 502, msg: "request" });
    // A level changed at run time is honoured by the next line.
    logger.level = "info";
    write({ method: "POST", route: "/v1/chat/completions", status: 200, durationMs: 1, requestId: "r" });
    expect(JSON.parse(chunks[1]!)).toMatchObject({ level: 30, status: 200, requestId: "r" });
  });
});
