import { copyFileSync } from "node:fs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { testPki } from "../../../../test/harness/test-pki.ts";
import { createConfigWatcher, type WatcherState } from "../client/index.ts";
import { versionSnapshot } from "../codec/index.ts";
import { recordingLogger, sampleConfig, TEST_TOKEN, waitFor, watcherOptions } from "../test-fixtures.ts";
import { createConfigServer, type ServerTlsOptions } from "./index.ts";

const pki = testPki();
const caA = pki.ca("ca-a");
const clientCa = pki.ca("client-ca");
afterAll(() => pki.cleanup());

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(tls: ServerTlsOptions, tokens = [TEST_TOKEN]) {
  const logger = recordingLogger();
  const server = createConfigServer({ nodeTokens: tokens, host: "127.0.0.1", port: 0, logger, tls });
  const port = await server.listen();
  cleanups.push(() => server.close(100));
  server.publish(versionSnapshot(sampleConfig("tls"), 1n));
  return { server, port, logger };
}

function startWatcher(url: string, nodeId: string, over: Parameters<typeof watcherOptions>[2] = {}) {
  const w = watcherOptions(0, nodeId, over);
  const states: WatcherState[] = [];
  const watcher = createConfigWatcher({ ...w.opts, url, onStateChange: (s) => states.push(s) });
  cleanups.push(() => watcher.stop());
  watcher.start();
  return { ...w, watcher, states };
}

const refusals = (w: ReturnType<typeof startWatcher>) =>
  w.logger.entries.filter(
    (e) => e.msg === "control plane refused the config stream" || e.msg === "config stream ended",
  );

describe("config stream over TLS", () => {
  it("serves a node that trusts the server's CA, and no plaintext node", async () => {
    const cert = pki.server(caA);
    const { port, server } = await startServer({ certFile: cert.cert, keyFile: cert.key });
    const good = startWatcher(`https://127.0.0.1:${port}`, "dp-1", { tls: { caFile: caA.cert } });
    await waitFor(() => good.watcher.appliedVersion() !== null, "applied over TLS");
    const plain = startWatcher(`http://127.0.0.1:${port}`, "dp-2");
    await waitFor(() => refusals(plain).length >= 2, "plaintext attempts fail");
    expect(plain.states).not.toContain("connected");
    expect(server.nodes().map((n) => n.nodeId)).toEqual(["dp-1"]);
  });

  it("with a client CA, requires a client certificate and takes the node identity from it", async () => {
    const cert = pki.server(caA);
    const { port, server, logger } = await startServer({
      certFile: cert.cert,
      keyFile: cert.key,
      clientCaFile: clientCa.cert,
    });
    const url = `https://127.0.0.1:${port}`;
    const dp1 = pki.client(clientCa, "dp-1");
    const good = startWatcher(url, "dp-1", { tls: { caFile: caA.cert, certFile: dp1.cert, keyFile: dp1.key } });
    await waitFor(() => good.watcher.appliedVersion() !== null, "applied over mutual TLS");

    const anonymous = startWatcher(url, "dp-2", { tls: { caFile: caA.cert } });
    // Someone else's certificate: a node may not claim another node's id.
    const impostor = startWatcher(url, "dp-3", { tls: { caFile: caA.cert, certFile: dp1.cert, keyFile: dp1.key } });
    await waitFor(() => refusals(anonymous).length >= 2 && refusals(impostor).length >= 2, "both refused");
    expect(refusals(impostor)[0]?.obj).toMatchObject({ code: "PERMISSION_DENIED" });
    expect(anonymous.states).not.toContain("connected");
    expect(
      server
        .nodes()
        .filter((n) => n.connected)
        .map((n) => n.nodeId),
    ).toEqual(["dp-1"]);
    expect(logger.entries.some((e) => e.msg === "config stream refused")).toBe(true);
  });

  it("picks up a renewed certificate from the same files without a restart", async () => {
    const first = pki.server(caA);
    const live = { cert: `${pki.dir}/live.pem`, key: `${pki.dir}/live.key` };
    copyFileSync(first.cert, live.cert);
    copyFileSync(first.key, live.key);
    const { port } = await startServer({ certFile: live.cert, keyFile: live.key, reloadIntervalMs: 100 });
    const url = `https://127.0.0.1:${port}`;
    const before = startWatcher(url, "dp-1", { tls: { caFile: caA.cert } });
    await waitFor(() => before.watcher.appliedVersion() !== null, "applied with the first certificate");
    // The renewed certificate comes from a new CA: a node trusting only that CA gets in once it is served.
    const caB = pki.ca("ca-b");
    const renewed = pki.server(caB);
    copyFileSync(renewed.key, live.key);
    copyFileSync(renewed.cert, live.cert);
    const after = startWatcher(url, "dp-2", { tls: { caFile: caB.cert } });
    await waitFor(() => after.watcher.appliedVersion() !== null, "applied with the renewed certificate", 10_000);
  });

  it("accepts the previous node token during a rotation and says who still uses it", async () => {
    const cert = pki.server(caA);
    const { port, logger } = await startServer({ certFile: cert.cert, keyFile: cert.key }, [
      "the-new-node-token-0123456789",
      TEST_TOKEN,
    ]);
    const old = startWatcher(`https://127.0.0.1:${port}`, "dp-old", { tls: { caFile: caA.cert } });
    const fresh = startWatcher(`https://127.0.0.1:${port}`, "dp-new", {
      tls: { caFile: caA.cert },
      nodeToken: "the-new-node-token-0123456789",
    });
    await waitFor(() => old.watcher.appliedVersion() !== null && fresh.watcher.appliedVersion() !== null, "both in");
    const warnings = logger.entries.filter((e) => e.msg === "data plane uses a previous node token; update it");
    expect(warnings.map((e) => (e.obj as { nodeId: string }).nodeId)).toEqual(["dp-old"]);
  });

  it("refuses to start with unusable certificate files, naming them", () => {
    const logger = recordingLogger();
    expect(() =>
      createConfigServer({
        nodeTokens: [TEST_TOKEN],
        port: 0,
        logger,
        tls: { certFile: `${pki.dir}/missing.pem`, keyFile: `${pki.dir}/missing.key` },
      }),
    ).toThrow(/cannot read the server certificate .*missing\.pem/);
    const a = pki.server(caA);
    const b = pki.server(caA);
    expect(() =>
      createConfigServer({ nodeTokens: [TEST_TOKEN], port: 0, logger, tls: { certFile: a.cert, keyFile: b.key } }),
    ).toThrow(/TLS files are not usable/);
  });
});
