import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ConfigServer, createConfigServer } from "@switchyard/config-sync/server";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../../../test/fakes/openai-upstream.ts";
import { freePort } from "../../../test/harness/free-port.ts";
import {
  apiKey,
  consumer,
  mockProvider,
  openAIProvider,
  route,
  rpmLimit,
  snapshot,
} from "./testing/snapshot-fixture.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const NODE_TOKEN = "node-token-for-tests-0123456789";
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let dir: string;
let cp: ConfigServer;
let fake: FakeOpenAI;
let child: ChildProcess;
let output = "";
let proxyUrl: string;
let opsUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dp-main-"));
  writeFileSync(join(dir, "node-token"), `${NODE_TOKEN}\n`);
  fake = await startFakeOpenAI({ apiKey: "sk-upstream", behavior: { chunkDelayMs: 60 } });
  cp = createConfigServer({ nodeTokens: [NODE_TOKEN], host: "127.0.0.1", port: 0, logger: quiet });
  const grpcPort = await cp.listen();
  const [port, metricsPort] = [await freePort(), await freePort()];
  proxyUrl = `http://127.0.0.1:${port}`;
  opsUrl = `http://127.0.0.1:${metricsPort}`;
  child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      SWITCHYARD_MODE: "local",
      SWITCHYARD_DATA_DIR: dir,
      HOST: "127.0.0.1",
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      CONTROL_PLANE_URL: `127.0.0.1:${grpcPort}`,
      SHUTDOWN_GRACE_MS: "5000",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => {
    output += String(d);
  });
  child.stderr?.on("data", (d) => {
    output += String(d);
  });
  await vi.waitFor(async () => expect((await fetch(`${opsUrl}/healthz`)).status).toBe(200), {
    timeout: 10_000,
    interval: 100,
  });
});

afterAll(async () => {
  if (child.exitCode === null) child.kill("SIGKILL");
  await cp.close(100);
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("data plane process", () => {
  it("is alive but not ready before the control plane sends a snapshot, on both ports", async () => {
    for (const base of [proxyUrl, opsUrl]) {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
    }
  });

  it("applies a pushed snapshot, becomes ready and serves traffic", async () => {
    cp.publish(
      snapshot({
        providers: [mockProvider(), openAIProvider(fake.url)],
        routes: [route("fast", "prov-mock", "mock-1"), route("gpt", "prov-openai", "gpt-4o-mini")],
        consumers: [consumer("c1")],
        apiKeys: [apiKey("sk-client", "c1")],
        limits: [rpmLimit("c1", 100)],
      }),
    );
    await vi.waitFor(async () => expect((await fetch(`${proxyUrl}/readyz`)).status).toBe(200), {
      timeout: 10_000,
      interval: 100,
    });
    expect((await fetch(`${opsUrl}/readyz`)).status).toBe(200);
    const client = new OpenAI({ baseURL: `${proxyUrl}/v1`, apiKey: "sk-client", maxRetries: 0 });
    const mock = await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] });
    expect(mock.choices[0]?.message.content).toContain("mock-1");
    expect(output).toContain("runtime swapped");
    expect(cp.nodes()[0]).toMatchObject({ connected: true });
    const metrics = await (await fetch(`${opsUrl}/metrics`)).text();
    expect(metrics).toContain(
      'switchyard_dataplane_upstream_requests_total{provider_kind="mock",status_class="2xx",app="data-plane"} 1',
    );
  });

  it("on SIGTERM finishes an in-flight stream, then exits 0", async () => {
    const client = new OpenAI({ baseURL: `${proxyUrl}/v1`, apiKey: "sk-client", maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: "gpt",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Hello from the fake OpenAI upstream.");
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"stopped"');
    expect(output).not.toContain("sk-client");
    expect(output).not.toContain("sk-upstream");
  });
});
