import { err } from "@switchyard/errors";
import { afterEach, describe, expect, it } from "vitest";
import { versionOf, versionSnapshot } from "../codec/index.ts";
import { createConfigServer } from "../server/index.ts";
import { recordingLogger, sampleConfig, TEST_TOKEN, waitFor, watcherOptions } from "../test-fixtures.ts";
import { createConfigWatcher, type WatcherState } from "./index.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(port = 0) {
  const logger = recordingLogger();
  const server = createConfigServer({ nodeTokens: [TEST_TOKEN], host: "127.0.0.1", port, logger });
  const bound = await server.listen();
  cleanups.push(() => server.close(100));
  return { server, port: bound, logger };
}

function startWatcher(...args: Parameters<typeof watcherOptions>) {
  const w = watcherOptions(...args);
  const states: WatcherState[] = [];
  const watcher = createConfigWatcher({ ...w.opts, onStateChange: (s) => states.push(s) });
  cleanups.push(() => watcher.stop());
  watcher.start();
  return { ...w, watcher, states };
}

describe("config watcher", () => {
  it("nacks a snapshot whose version does not match its payload and keeps serving the old one", async () => {
    const { server, port } = await startServer();
    const good = versionSnapshot(sampleConfig("a"), 1n);
    server.publish(good);
    const w = startWatcher(port, "dp-1");
    // Wait for the server to record the Ack: one still in flight would answer an older nonce once the next
    // snapshot goes out, and be ignored as stale.
    await waitFor(() => server.nodes()[0]?.ackedVersion === good.version, "first ack");
    // Payload "b" under the version of "c": what a corrupted or buggy control plane would send.
    const forged = { ...versionSnapshot(sampleConfig("b"), 2n), version: versionOf(sampleConfig("c")) };
    server.publish(forged);
    await waitFor(() => server.nodes()[0]?.lastNack !== null, "nack recorded");
    expect(server.nodes()[0]!.lastNack).toEqual({
      version: forged.version,
      error: expect.objectContaining({ code: "version_mismatch", entityKind: "snapshot" }),
      at: expect.any(Date),
    });
    expect(server.nodes()[0]!.ackedVersion).toBe(good.version);
    expect(w.watcher.appliedVersion()).toBe(good.version);
    expect(w.appliedVersions).toEqual([good.version]);
  });

  it("nacks with the apply error (or a generic one if apply throws) and reports the kept version", async () => {
    const { server, port, logger } = await startServer();
    const s1 = versionSnapshot(sampleConfig("a"), 1n);
    const s2 = versionSnapshot(sampleConfig("b"), 2n);
    const s3 = versionSnapshot(sampleConfig("c"), 3n);
    server.publish(s1);
    const w = startWatcher(port, "dp-1", {
      apply: (s) => {
        if (s.version === s2.version) return err({ code: "compile_failed", message: "no", entityKind: "route" });
        if (s.version === s3.version) throw new Error("boom");
        return { ok: true, value: undefined };
      },
    });
    await waitFor(() => w.watcher.appliedVersion() === s1.version, "first apply");
    server.publish(s2);
    await waitFor(() => server.nodes()[0]?.lastNack?.version === s2.version, "nack of s2");
    expect(server.nodes()[0]!.lastNack!.error).toEqual({ code: "compile_failed", message: "no", entityKind: "route" });
    expect(logger.entries.find((e) => e.msg === "data plane rejected snapshot")?.obj).toMatchObject({
      keptVersion: s1.version,
    });
    server.publish(s3);
    await waitFor(() => server.nodes()[0]?.lastNack?.version === s3.version, "nack of s3");
    expect(server.nodes()[0]!.lastNack!.error.code).toBe("apply_failed");
    expect(w.watcher.appliedVersion()).toBe(s1.version);
  });

  it("reconnects to a new server on the same port and is not sent what it already serves", async () => {
    const first = await startServer();
    const s1 = versionSnapshot(sampleConfig("a"), 1n);
    first.server.publish(s1);
    const w = startWatcher(first.port, "dp-1");
    await waitFor(() => first.server.nodes()[0]?.ackedVersion === s1.version, "ack on first server");
    await first.server.close(100);
    await waitFor(() => w.states.at(-1) !== "connected", "disconnect noticed");

    const second = await startServer(first.port);
    second.server.publish(s1);
    await waitFor(() => second.server.nodes()[0]?.connected === true, "reconnected");
    expect(second.server.nodes()[0]!.ackedVersion).toBe(s1.version);
    expect(second.logger.entries.filter((e) => e.msg === "snapshot sent")).toHaveLength(0);
    const s2 = versionSnapshot(sampleConfig("b"), 2n);
    second.server.publish(s2);
    await waitFor(() => second.server.nodes()[0]?.ackedVersion === s2.version, "ack on second server");
    expect(w.appliedVersions).toEqual([s1.version, s2.version]);
    expect(w.states.slice(0, 4)).toEqual(["connecting", "connected", "disconnected", "connecting"]);
    expect(w.states.at(-1)).toBe("connected");
  });

  it("keeps retrying with a refused token, never reports connected, and never logs the token", async () => {
    const { server, port } = await startServer();
    server.publish(versionSnapshot(sampleConfig(), 1n));
    const w = startWatcher(port, "dp-1", { nodeToken: "not-the-token" });
    const refusals = () => w.logger.entries.filter((e) => e.msg === "control plane refused the config stream");
    await waitFor(() => refusals().length >= 2, "two refused attempts");
    expect(refusals()[0]!.obj).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(w.states).not.toContain("connected");
    expect(w.watcher.appliedVersion()).toBeNull();
    expect(JSON.stringify(w.logger.entries)).not.toContain("not-the-token");
  });

  it("stops cleanly: the stream ends and no reconnect follows", async () => {
    const { server, port, logger } = await startServer();
    const w = startWatcher(port, "dp-1");
    await waitFor(() => w.states.at(-1) === "connected", "connected");
    await w.watcher.stop();
    expect(w.states.at(-1)).toBe("disconnected");
    await waitFor(() => server.nodes()[0]?.connected === false, "server saw the disconnect");
    // Backoff is at most 50 ms here, so a reconnect would have happened well within this wait.
    await new Promise((r) => setTimeout(r, 150));
    expect(logger.entries.filter((e) => e.msg === "data plane connected")).toHaveLength(1);
    expect(w.states.filter((s) => s === "connecting")).toHaveLength(1);
  });
});
