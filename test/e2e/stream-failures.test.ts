import * as grpc from "@grpc/grpc-js";
import { helloRequest } from "@switchyard/config-sync/codec";
import { ConfigServiceClient } from "@switchyard/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.ts";
import { eventually, type PostgresInstance, type RedisInstance, startPostgres, startRedis } from "../harness/index.ts";
import {
  adminClient,
  type ControlPlane,
  controlPlane,
  type DataPlane,
  dataPlane,
  type FleetNode,
  fleetSecrets,
  metric,
  seedRoute,
} from "./fleet/fleet.ts";
import { startTcpRelay, type TcpRelay } from "./fleet/tcp-relay.ts";

const UPSTREAM_KEY = "sk-upstream-failures";
const KEEPALIVE = { timeMs: 1_000, timeoutMs: 1_000 };

/**
 * What the stream does when things go wrong: a path that silently stops carrying bytes, a snapshot a node
 * cannot apply, and a node speaking a protocol version the control plane cannot serve.
 */
describe("config stream failures", () => {
  const secrets = fleetSecrets();
  let pg: PostgresInstance;
  let redis: RedisInstance;
  let upstream: FakeOpenAI;
  let cp: ControlPlane;
  let relay: TcpRelay;
  let stalled: DataPlane;
  let picky: DataPlane;
  let admin: ReturnType<typeof adminClient>;
  let apiKey = "";
  let routeId = "";

  const node = async (id: string) => (await admin.nodes()).find((n: FleetNode) => n.nodeId === id);
  const modelVia = async (dp: DataPlane) => {
    const before = upstream.requests.length;
    const res = await fetch(`${dp.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-f", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(200);
    await res.text();
    return (upstream.requests[before]?.body as { model?: string } | undefined)?.model;
  };

  beforeAll(async () => {
    [pg, redis, upstream] = await Promise.all([
      startPostgres(),
      startRedis(),
      startFakeOpenAI({ apiKey: UPSTREAM_KEY }),
    ]);
    cp = await controlPlane("control-plane", secrets, pg.url, {
      GRPC_KEEPALIVE_MS: String(KEEPALIVE.timeMs),
      GRPC_KEEPALIVE_TIMEOUT_MS: String(KEEPALIVE.timeoutMs),
      NODE_STATUS_FLUSH_MS: "300",
    });
    await cp.start();
    relay = await startTcpRelay(cp.grpcAddress);
    stalled = await dataPlane("dp-stall", secrets, relay.address, redis.url, {
      CONFIG_KEEPALIVE_MS: String(KEEPALIVE.timeMs),
      CONFIG_KEEPALIVE_TIMEOUT_MS: String(KEEPALIVE.timeoutMs),
    });
    picky = await dataPlane("dp-picky", secrets, cp.grpcAddress, redis.url, {
      SWITCHYARD_TEST_REJECT_ROUTE_ALIAS: "poison",
    });
    await Promise.all([stalled.start(), picky.start()]);
    admin = adminClient(cp.adminUrl, secrets.adminToken);
    ({ key: apiKey, routeId } = await seedRoute(admin, {
      baseUrl: upstream.url,
      upstreamKey: UPSTREAM_KEY,
      alias: "gpt-f",
    }));
    await admin.converged(["dp-stall", "dp-picky"]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([cp, stalled, picky].map((p) => p?.kill()));
    stalled?.cleanup();
    picky?.cleanup();
    await relay?.close();
    await Promise.all([pg?.stop(), redis?.stop(), upstream?.close()]);
  });

  it("a silently stalled path is noticed by keepalive on both ends, and the node reconnects within the bound", async () => {
    const before = await node("dp-stall");
    expect(relay.connections()).toBe(1);
    const started = Date.now();
    relay.stall();
    // Serving never depends on the stream.
    expect(await modelVia(stalled)).toBe("gpt-f-upstream");
    await eventually(async () => relay.connections() === 2, 10_000);
    await eventually(async () => {
      const now = await node("dp-stall");
      return now?.connected && now.connectedAt !== before?.connectedAt;
    }, 10_000);
    const elapsed = Date.now() - started;
    // Keepalive bound: one ping interval plus its timeout (2 s here), plus the reconnect backoff's first step.
    expect(elapsed).toBeLessThan(KEEPALIVE.timeMs + KEEPALIVE.timeoutMs + 3_000);
    // The control plane's own pings found the dead stream too (the relay never forwarded a FIN).
    await eventually(
      async () => /"nodeId":"dp-stall"[^\n]*"msg":"data plane disconnected"/.test(cp.proc().output()),
      10_000,
    );
    expect(await metric(stalled.metricsUrl, "switchyard_dataplane_config_reconnects_total")).toBeGreaterThanOrEqual(1);
    // And the new stream carries changes.
    expect((await admin.call("PATCH", `/routes/${routeId}`, { upstreamModel: "after-stall" })).status).toBe(200);
    await admin.converged(["dp-stall", "dp-picky"]);
    expect(await modelVia(stalled)).toBe("after-stall");
  });

  it("a snapshot the node cannot apply is nacked and recorded; the old config keeps serving, nothing half applied", async () => {
    const acked = (await node("dp-picky"))?.ackedVersion;
    const poison = await admin.call("POST", "/routes", {
      alias: "poison",
      providerId: (await admin.call("GET", `/routes/${routeId}`)).body.providerId,
      upstreamModel: "p",
    });
    expect(poison.status).toBe(201);
    // A second change lands in snapshots that still carry the poison route: none of it may reach dp-picky.
    expect((await admin.call("PATCH", `/routes/${routeId}`, { upstreamModel: "with-poison" })).status).toBe(200);
    // Wait for the snapshot covering both writes: dp-stall acks it, dp-picky nacks it.
    await eventually(async () => {
      const snap = (await admin.call("GET", "/snapshot")).body;
      if (BigInt(snap.coveredGeneration) < admin.lastGeneration()) return false;
      const [p, s] = [await node("dp-picky"), await node("dp-stall")];
      return (p?.lastNack as { version?: string } | null)?.version === snap.version && s?.ackedVersion === snap.version;
    }, 10_000);
    const picked = await node("dp-picky");
    expect(picked).toMatchObject({
      connected: true,
      ackedVersion: acked,
      lastNack: {
        error: { code: "rejected_by_test_hook", entityKind: "route", entityId: poison.body.id },
        at: expect.any(String),
      },
    });
    expect(await modelVia(picky)).toBe("after-stall");
    expect(await modelVia(stalled)).toBe("with-poison");
    expect(
      await metric(picky.metricsUrl, "switchyard_dataplane_config_applies_total", { result: "nack" }),
    ).toBeGreaterThanOrEqual(1);

    expect((await admin.call("DELETE", `/routes/${poison.body.id}`)).status).toBe(204);
    await admin.converged(["dp-stall", "dp-picky"]);
    expect(await modelVia(picky)).toBe("with-poison");
  });

  it("a node speaking an unservable protocol version is refused explicitly and listed as incompatible", async () => {
    const client = new ConfigServiceClient(cp.grpcAddress, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${secrets.nodeToken}`);
    const call = client.streamConfig(md);
    const status = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
    call.on("error", () => {});
    call.on("data", () => {});
    call.write(
      helloRequest({
        nodeId: "dp-from-the-future",
        hostname: "future",
        labels: {},
        buildVersion: "99.0.0",
        protocolVersion: 99,
        lastAppliedVersion: null,
        lastAppliedGeneration: null,
        capabilities: [],
      }),
    );
    const s = await status;
    client.close();
    expect(s.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(s.details).toMatch(/protocol version 99 is not supported; this control plane serves versions 2 to 2/);
    await eventually(async () => (await node("dp-from-the-future")) !== undefined, 5_000);
    expect(await node("dp-from-the-future")).toMatchObject({
      connected: false,
      compatible: false,
      protocolVersion: 99,
      buildVersion: "99.0.0",
      incompatibility: expect.stringContaining("protocol version 99"),
    });
    expect(await metric(cp.metricsUrl, "switchyard_controlplane_node_refusals_total", { reason: "incompatible" })).toBe(
      1,
    );
  });
});
