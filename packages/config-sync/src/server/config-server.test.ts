import * as grpc from "@grpc/grpc-js";
import { ConfigServiceClient, type StreamConfigRequest, type StreamConfigResponse } from "@switchyard/proto";
import { afterEach, describe, expect, it } from "vitest";
import { createConfigWatcher } from "../client/index.ts";
import {
  ackRequest,
  CAPABILITIES,
  decodeControlMessage,
  helloRequest,
  MIN_PROTOCOL_VERSION,
  nackRequest,
  PROTOCOL_VERSION,
  versionSnapshot,
} from "../codec/index.ts";
import { recordingLogger, sampleConfig, TEST_TOKEN, waitFor, watcherOptions } from "../test-fixtures.ts";
import { createConfigServer } from "./index.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer() {
  const logger = recordingLogger();
  const server = createConfigServer({ nodeTokens: ["other-token", TEST_TOKEN], host: "127.0.0.1", port: 0, logger });
  const port = await server.listen();
  cleanups.push(() => server.close(100));
  return { server, port, logger };
}

/** A hand-driven node on the raw gRPC client, for protocol cases the watcher never produces. */
function rawNode(port: number, token: string | null) {
  const client = new ConfigServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  if (token !== null) md.set("authorization", `Bearer ${token}`);
  const call = client.streamConfig(md);
  const received: StreamConfigResponse[] = [];
  let status: grpc.StatusObject | null = null;
  call.on("data", (m) => received.push(m));
  call.on("error", () => {});
  call.on("status", (s) => {
    status = s;
  });
  cleanups.push(() => {
    call.cancel();
    client.close();
  });
  return {
    received,
    status: () => status,
    send: (m: StreamConfigRequest) => call.write(m),
    snapshot: (i: number) => {
      const m = decodeControlMessage(received[i]!);
      if (m.type !== "snapshot") throw new Error("not a snapshot");
      return m;
    },
  };
}

const hello = (
  lastAppliedVersion: string | null = null,
  protocolVersion = PROTOCOL_VERSION,
  capabilities: string[] = [],
) =>
  helloRequest({
    nodeId: "raw-1",
    hostname: "raw",
    labels: {},
    buildVersion: "t",
    protocolVersion,
    lastAppliedVersion,
    lastAppliedGeneration: lastAppliedVersion === null ? null : 1n,
    capabilities,
  });

describe("config server", () => {
  it.each([
    ["a wrong token", "wrong-token"],
    ["no token", null],
  ])("refuses a stream with %s as UNAUTHENTICATED", async (_, token) => {
    const { server, port, logger } = await startServer();
    server.publish(versionSnapshot(sampleConfig(), 1n));
    const node = rawNode(port, token);
    node.send(hello());
    await waitFor(() => node.status() !== null, "status");
    expect(node.status()!.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(node.received).toHaveLength(0);
    expect(server.nodes()).toEqual([]);
    expect(JSON.stringify(logger.entries)).not.toContain("wrong-token");
  });

  it("refuses a protocol version it cannot serve as FAILED_PRECONDITION", async () => {
    const { server, port } = await startServer();
    const node = rawNode(port, TEST_TOKEN);
    node.send(hello(null, PROTOCOL_VERSION + 1));
    await waitFor(() => node.status() !== null, "status");
    expect(node.status()).toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
    expect(node.status()!.details).toContain(`protocol version ${PROTOCOL_VERSION + 1} is not supported`);
    expect(server.nodes()).toEqual([
      expect.objectContaining({
        nodeId: "raw-1",
        connected: false,
        compatible: false,
        incompatibility: expect.stringContaining(`serves versions ${MIN_PROTOCOL_VERSION} to`),
        protocolVersion: PROTOCOL_VERSION + 1,
      }),
    ]);
  });

  it("refuses a stream whose first message is not Hello", async () => {
    const { port } = await startServer();
    const node = rawNode(port, TEST_TOKEN);
    node.send(ackRequest("v", "n"));
    await waitFor(() => node.status() !== null, "status");
    expect(node.status()!.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it("sends the current snapshot after Hello and records the Ack in nodes()", async () => {
    const { server, port } = await startServer();
    const s1 = versionSnapshot(sampleConfig("a"), 1n);
    server.publish(s1);
    const w = watcherOptions(port, "dp-1");
    const watcher = createConfigWatcher(w.opts);
    cleanups.push(() => watcher.stop());
    watcher.start();
    await waitFor(() => server.nodes()[0]?.ackedVersion === s1.version, "ack");
    expect(w.appliedVersions).toEqual([s1.version]);
    expect(watcher.appliedVersion()).toBe(s1.version);
    expect(server.nodes()).toEqual([
      {
        nodeId: "dp-1",
        hostname: "dp-1.local",
        labels: { zone: "z1" },
        buildVersion: "1.2.3",
        protocolVersion: PROTOCOL_VERSION,
        streamId: expect.any(String),
        compatible: true,
        incompatibility: null,
        connectedAt: expect.any(Date),
        lastSeenAt: expect.any(Date),
        ackedVersion: s1.version,
        ackedGeneration: 1n,
        ackedAt: expect.any(Date),
        lastNack: null,
        connected: true,
      },
    ]);
    await watcher.stop();
    await waitFor(() => server.nodes()[0]?.connected === false, "disconnect recorded");
    expect(server.nodes()[0]!.ackedVersion).toBe(s1.version);
  });

  it("sends nothing to a node that reconnects with the current version", async () => {
    const { server, port } = await startServer();
    const s1 = versionSnapshot(sampleConfig("a"), 1n);
    const s2 = versionSnapshot(sampleConfig("b"), 2n);
    server.publish(s1);
    const node = rawNode(port, TEST_TOKEN);
    node.send(hello(s1.version));
    await waitFor(() => server.nodes()[0]?.connected === true, "connected");
    expect(server.nodes()[0]!.ackedVersion).toBe(s1.version);
    server.publish(s2);
    await waitFor(() => node.received.length > 0, "snapshot");
    // The first thing this node ever receives is the next version: the current one was not resent.
    expect(node.snapshot(0).version).toBe(s2.version);
    expect(node.received).toHaveLength(1);
  });

  it("waits for the first publish when nothing is published yet, then reaches every node", async () => {
    const { server, port } = await startServer();
    const a = watcherOptions(port, "dp-a");
    const b = watcherOptions(port, "dp-b");
    const wa = createConfigWatcher(a.opts);
    const wb = createConfigWatcher(b.opts);
    cleanups.push(
      () => wa.stop(),
      () => wb.stop(),
    );
    wa.start();
    wb.start();
    await waitFor(() => server.nodes().filter((n) => n.connected).length === 2, "two nodes connected");
    expect(server.nodes().map((n) => n.ackedVersion)).toEqual([null, null]);
    const s1 = versionSnapshot(sampleConfig("a"), 1n);
    const s2 = versionSnapshot(sampleConfig("b"), 2n);
    server.publish(s1);
    server.publish(s2);
    await waitFor(() => server.nodes().every((n) => n.ackedVersion === s2.version), "both acked s2");
    expect(wa.appliedVersion()).toBe(s2.version);
    expect(wb.appliedVersion()).toBe(s2.version);
    expect(a.appliedVersions.at(-1)).toBe(s2.version);
    expect(b.appliedVersions.at(-1)).toBe(s2.version);
  });

  it("ignores an Ack whose nonce is not the latest sent", async () => {
    const { server, port, logger } = await startServer();
    const s1 = versionSnapshot(sampleConfig("a"), 1n);
    const s2 = versionSnapshot(sampleConfig("b"), 2n);
    server.publish(s1);
    const node = rawNode(port, TEST_TOKEN);
    node.send(hello());
    await waitFor(() => node.received.length === 1, "first snapshot");
    server.publish(s2);
    await waitFor(() => node.received.length === 2, "second snapshot");
    const first = node.snapshot(0);
    node.send(ackRequest(first.version, first.nonce));
    await waitFor(() => logger.entries.some((e) => e.msg === "stale answer ignored"), "stale ack logged");
    expect(server.nodes()[0]!.ackedVersion).toBeNull();
    const second = node.snapshot(1);
    node.send(ackRequest(second.version, second.nonce));
    await waitFor(() => server.nodes()[0]?.ackedVersion === s2.version, "latest ack recorded");
  });

  it("does not roll back to an older generation", async () => {
    const { server } = await startServer();
    const s2 = versionSnapshot(sampleConfig("b"), 2n);
    server.publish(s2);
    server.publish(versionSnapshot(sampleConfig("a"), 1n));
    expect(server.current()).toBe(s2);
  });

  it("sends a delta to a node that takes them, and the whole snapshot when the delta does not fit", async () => {
    const { server, port } = await startServer();
    const s1 = versionSnapshot(sampleConfig("a"), 1n);
    const s2 = versionSnapshot(sampleConfig("b"), 2n);
    server.publish(s1);
    const node = rawNode(port, TEST_TOKEN);
    node.send(hello(s1.version, PROTOCOL_VERSION, [CAPABILITIES.delta]));
    await waitFor(() => server.nodes()[0]?.connected === true, "connected");
    server.publish(s2);
    await waitFor(() => node.received.length === 1, "delta");
    const delta = node.snapshot(0);
    expect(delta).toMatchObject({ delta: true, version: s2.version });
    expect(await delta.resolve(s1)).toEqual({ ok: true, value: s2 });
    // The node says it does not hold s1 after all: the server sends s2 whole instead.
    node.send(nackRequest(s2.version, delta.nonce, null, { code: "delta_base_mismatch", message: "not the base" }));
    await waitFor(() => node.received.length === 2, "full snapshot");
    expect(node.snapshot(1)).toMatchObject({ delta: false, version: s2.version });
    expect(await node.snapshot(1).resolve(null)).toEqual({ ok: true, value: s2 });
    // A misfit delta is not the configuration's fault: no Nack is recorded.
    expect(server.nodes()[0]?.lastNack).toBeNull();
  });

  it("refuses to start without node tokens", () => {
    const logger = recordingLogger();
    expect(() => createConfigServer({ nodeTokens: [], port: 0, logger })).toThrow(/node token/);
    expect(() => createConfigServer({ nodeTokens: [""], port: 0, logger })).toThrow(/node token/);
  });
});
