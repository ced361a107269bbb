import { Writable } from "node:stream";
import { Hono } from "hono";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";
import type { RequestIdVariables } from "./request-id.ts";
import { requestTelemetry } from "./request-telemetry.ts";

function setup() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const registry = new Registry();
  const app = new Hono<{ Variables: RequestIdVariables }>();
  app.use("/v1/*", requestTelemetry({ logger: createLogger({ name: "t", destination }), registry, subsystem: "t" }));
  app.post("/v1/chat/:model", (c) => c.json({ id: c.var.requestId }, 201));
  app.get("/v1/boom", () => {
    throw new Error("broken");
  });
  app.get("/v1/sent", () => new Response(null, { status: 200, headers: { "x-hono-already-sent": "true" } }));
  app.onError((_e, c) => c.text("internal", 500));
  const lines = () =>
    chunks
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { app, lines, registry };
}

describe("requestTelemetry", () => {
  it("does what requestId, accessLog and httpMetrics do together", async () => {
    const { app, lines, registry } = setup();
    const ok = await app.request("/v1/chat/gpt?k=sk-q", { method: "POST", headers: { "x-request-id": "rid-7" } });
    expect(await ok.json()).toEqual({ id: "rid-7" });
    expect(ok.headers.get("x-request-id")).toBe("rid-7");
    const boom = await app.request("/v1/boom");
    expect(boom.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    await app.request("/v1/nowhere");
    const sent = await app.request("/v1/sent");
    expect(sent.headers.get("x-request-id")).toBeNull();

    const [l1, l2, l3] = lines();
    expect(l1).toMatchObject({ level: 30, method: "POST", route: "/v1/chat/:model", status: 201, requestId: "rid-7" });
    expect(l2).toMatchObject({ level: 50, route: "/v1/boom", status: 500 });
    expect(l3).toMatchObject({ route: "unmatched", status: 404 });
    expect(JSON.stringify(lines())).not.toContain("sk-q");
    const text = await registry.metrics();
    expect(text).toMatch(
      /switchyard_t_http_requests_total\{method="POST",route="\/v1\/chat\/:model",status_class="2xx"\} 1/,
    );
    expect(text).toMatch(/switchyard_t_http_requests_total\{method="GET",route="\/v1\/boom",status_class="5xx"\} 1/);
    expect(text).toMatch(
      /switchyard_t_http_request_duration_seconds_count\{method="GET",route="unmatched",status_class="4xx"\} 1/,
    );
  });
});
