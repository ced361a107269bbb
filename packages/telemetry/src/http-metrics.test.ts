import { Hono } from "hono";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { httpMetrics } from "./http-metrics.ts";

function app(registry: Registry) {
  const a = new Hono();
  a.use("*", httpMetrics({ registry, subsystem: "test" }));
  const v1 = new Hono();
  v1.get("/items/:id", (c) => c.json({ id: c.req.param("id") }));
  v1.post("/fail", () => {
    throw new Error("broken");
  });
  a.route("/v1", v1);
  a.onError((_e, c) => c.text("internal", 500));
  return a;
}

async function values(registry: Registry, name: string) {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`metric ${name} missing`);
  return (await metric.get()).values;
}

describe("httpMetrics", () => {
  it("counts by route pattern and status class, never by raw URL", async () => {
    const registry = new Registry();
    const a = app(registry);
    await a.request("/v1/items/1?secret=x");
    await a.request("/v1/items/2");
    await a.request("/v1/fail", { method: "POST" });
    await a.request("/no/such/path");

    const counts = await values(registry, "switchyard_test_http_requests_total");
    const byKey = Object.fromEntries(
      counts.map((v) => [`${v.labels.method} ${v.labels.route} ${v.labels.status_class}`, v.value]),
    );
    expect(byKey).toEqual({
      "GET /v1/items/:id 2xx": 2,
      "POST /v1/fail 5xx": 1,
      "GET unmatched 4xx": 1,
    });
    const text = await registry.metrics();
    expect(text).not.toContain("secret");
    expect(text).not.toContain("/v1/items/1");
  });

  it("observes durations in the histogram with the same labels", async () => {
    const registry = new Registry();
    await app(registry).request("/v1/items/9");
    const text = await registry.metrics();
    expect(text).toContain(
      'switchyard_test_http_request_duration_seconds_count{method="GET",route="/v1/items/:id",status_class="2xx"} 1',
    );
    const sum = text.match(/switchyard_test_http_request_duration_seconds_sum\{[^}]*\} ([0-9.e-]+)/);
    expect(Number(sum?.[1])).toBeGreaterThan(0);
  });

  it("labels unusual methods as OTHER", async () => {
    const registry = new Registry();
    await app(registry).request("/v1/items/1", { method: "PROPFIND" });
    const counts = await values(registry, "switchyard_test_http_requests_total");
    expect(counts.map((v) => v.labels.method)).toEqual(["OTHER"]);
  });

  it("can be created twice on one registry and shares the metrics", async () => {
    const registry = new Registry();
    const first = app(registry);
    const second = app(registry);
    await first.request("/v1/items/1");
    await second.request("/v1/items/1");
    const counts = await values(registry, "switchyard_test_http_requests_total");
    expect(counts).toHaveLength(1);
    expect(counts[0]?.value).toBe(2);
  });

  it("keeps separate metrics per subsystem and per registry", async () => {
    const registry = new Registry();
    httpMetrics({ registry, subsystem: "a" });
    httpMetrics({ registry, subsystem: "b" });
    httpMetrics({ registry: new Registry(), subsystem: "a" });
    const names = registry.getMetricsAsArray().map((m) => m.name);
    expect(names.sort()).toEqual([
      "switchyard_a_http_request_duration_seconds",
      "switchyard_a_http_requests_total",
      "switchyard_b_http_request_duration_seconds",
      "switchyard_b_http_requests_total",
    ]);
  });
});
