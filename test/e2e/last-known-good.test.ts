import { readFileSync, writeFileSync } from "node:fs";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.ts";
import { eventually, type PostgresInstance, type RedisInstance, startPostgres, startRedis } from "../harness/index.ts";
import {
  adminClient,
  type ControlPlane,
  controlPlane,
  type DataPlane,
  dataPlane,
  fleetSecrets,
  metric,
  seedRoute,
} from "./fleet/fleet.ts";

const UPSTREAM_KEY = "sk-upstream-lkg-SECRET-7f3a";

/**
 * A data plane restarted while the control plane is down serves from its encrypted last-known-good file; a
 * damaged file is discarded and the node says it is not ready instead of hanging; the control plane's
 * return brings it back.
 */
describe("last-known-good snapshot on disk", () => {
  const secrets = fleetSecrets();
  let pg: PostgresInstance;
  let redis: RedisInstance;
  let upstream: FakeOpenAI;
  let cp: ControlPlane;
  let dp: DataPlane;
  let admin: ReturnType<typeof adminClient>;
  let apiKey = "";

  const chat = () =>
    new OpenAI({ baseURL: `${dp.url}/v1`, apiKey, maxRetries: 0, timeout: 5_000 }).chat.completions.create({
      model: "gpt-lkg",
      messages: [{ role: "user", content: "hi" }],
    });

  beforeAll(async () => {
    [pg, redis, upstream] = await Promise.all([
      startPostgres(),
      startRedis(),
      startFakeOpenAI({ apiKey: UPSTREAM_KEY }),
    ]);
    cp = await controlPlane("control-plane", secrets, pg.url);
    dp = await dataPlane("dp-lkg", secrets, cp.grpcAddress, redis.url);
    await cp.start();
    await dp.start();
    admin = adminClient(cp.adminUrl, secrets.adminToken);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([cp?.kill(), dp?.kill()]);
    dp?.cleanup();
    await Promise.all([pg?.stop(), redis?.stop(), upstream?.close()]);
  });

  it("writes the applied snapshot to disk, encrypted", async () => {
    ({ key: apiKey } = await seedRoute(admin, { baseUrl: upstream.url, upstreamKey: UPSTREAM_KEY, alias: "gpt-lkg" }));
    await admin.converged(["dp-lkg"]);
    expect((await chat()).choices[0]?.message.content).toBeTruthy();
    // A graceful stop waits for the file write that follows the newest apply.
    await dp.kill("SIGTERM");
    const file = readFileSync(dp.snapshotFile);
    expect(file.includes(UPSTREAM_KEY)).toBe(false);
    expect(file.includes("gpt-lkg")).toBe(false);
    expect(file.includes(upstream.url.replace("http://", ""))).toBe(false);
  });

  it("restarted while the control plane is down, serves from the file", async () => {
    await cp.kill("SIGKILL");
    const before = upstream.requests.length;
    await dp.start();
    expect((await chat()).choices[0]?.message.content).toBe("Hello from the fake OpenAI upstream.");
    expect(upstream.requests.slice(before).map((r) => r.headers.authorization)).toEqual([`Bearer ${UPSTREAM_KEY}`]);
    expect(await metric(dp.metricsUrl, "switchyard_dataplane_config_connected")).toBe(0);
    expect(
      await metric(dp.metricsUrl, "switchyard_dataplane_config_applies_total", { result: "ack", source: "disk" }),
    ).toBe(1);
    expect(await metric(dp.metricsUrl, "switchyard_dataplane_config_age_seconds")).toBeGreaterThan(0);
    expect(dp.proc().output()).toContain("serving the last-known-good snapshot from disk");
    expect(dp.proc().output()).not.toContain(UPSTREAM_KEY);
  });

  it("reports not ready past MAX_CONFIG_STALENESS_MS while still serving", async () => {
    await dp.kill("SIGTERM");
    await dp.start({ wait: false, env: { MAX_CONFIG_STALENESS_MS: "1" } });
    await eventually(async () => (await fetch(`${dp.url}/healthz`)).status === 200);
    await eventually(async () => dp.proc().output().includes("serving the last-known-good snapshot"));
    expect((await fetch(`${dp.url}/readyz`)).status).toBe(503);
    expect((await chat()).choices[0]?.message.content).toBeTruthy();
  });

  it("discards a damaged file with a clear log line and answers 503 JSON at once, never hanging", async () => {
    await dp.kill("SIGTERM");
    const bytes = readFileSync(dp.snapshotFile);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0x55;
    writeFileSync(dp.snapshotFile, bytes);
    await dp.start({ wait: false, env: { SNAPSHOT_STARTUP_WAIT_MS: "200" } });
    await eventually(async () => dp.proc().output().includes("last-known-good snapshot discarded"));
    expect(dp.proc().output()).toMatch(/cannot be decrypted/);
    expect((await fetch(`${dp.url}/readyz`)).status).toBe(503);
    const started = Date.now();
    const res = await fetch(`${dp.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-lkg", messages: [{ role: "user", content: "hi" }] }),
      signal: AbortSignal.timeout(3_000),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: "not_ready", type: "api_error" } });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("catches up once the control plane is back, and writes a fresh file", async () => {
    await cp.start();
    await eventually(async () => (await fetch(`${dp.url}/readyz`)).status === 200, 15_000);
    expect((await chat()).choices[0]?.message.content).toBeTruthy();
    expect(await metric(dp.metricsUrl, "switchyard_dataplane_config_connected")).toBe(1);
    await eventually(async () => (await metric(dp.metricsUrl, "switchyard_dataplane_config_file_writes_total")) === 1);
    expect(readFileSync(dp.snapshotFile).includes(UPSTREAM_KEY)).toBe(false);
  });
});
