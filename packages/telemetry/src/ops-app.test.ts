import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { healthRoutes } from "./health-routes.ts";
import { createOpsApp } from "./ops-app.ts";

describe("createOpsApp", () => {
  it("serves the registry's metrics with its content type", async () => {
    const registry = new Registry();
    new Counter({ name: "switchyard_test_things_total", help: "things", registers: [registry] }).inc(3);
    const res = await createOpsApp({ registry, ready: () => true }).request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(registry.contentType);
    expect(await res.text()).toContain("switchyard_test_things_total 3");
  });

  it("answers /healthz and /readyz", async () => {
    let ready = false;
    const app = createOpsApp({ registry: new Registry(), ready: async () => ready });
    const health = await app.request("/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const notReady = await app.request("/readyz");
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: "not_ready" });
    ready = true;
    const isReady = await app.request("/readyz");
    expect(isReady.status).toBe(200);
    expect(await isReady.json()).toEqual({ status: "ready" });
  });
});

describe("healthRoutes", () => {
  it("serves only the health routes", async () => {
    const app = healthRoutes(() => true);
    expect((await app.request("/healthz")).status).toBe(200);
    expect((await app.request("/readyz")).status).toBe(200);
    expect((await app.request("/metrics")).status).toBe(404);
  });

  it("treats a throwing readiness check as not ready without leaking the error", async () => {
    const app = healthRoutes(() => {
      throw new Error("db password wrong");
    });
    const res = await app.request("/readyz");
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('{"status":"not_ready"}');
  });
});
