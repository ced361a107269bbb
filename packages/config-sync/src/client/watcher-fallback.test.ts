import { afterEach, describe, expect, it } from "vitest";
import { versionSnapshot } from "../codec/index.ts";
import { createConfigServer } from "../server/index.ts";
import {
  freeLoopbackPort,
  recordingLogger,
  sampleConfig,
  TEST_TOKEN,
  waitFor,
  watcherOptions,
} from "../test-fixtures.ts";

import { type ApplyReport, createConfigWatcher } from "./index.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(port = 0) {
  const server = createConfigServer({
    nodeTokens: [TEST_TOKEN],
    host: "127.0.0.1",
    port,
    logger: recordingLogger(),
  });
  const bound = await server.listen();
  cleanups.push(() => server.close(100));
  return { server, port: bound };
}

/** A watcher with a last-known-good snapshot on "disk"; counts how often the disk was read. */
function startWatcher(port: number, waitMs: number) {
  const disk = versionSnapshot(sampleConfig("disk"), 5n);
  const reports: ApplyReport[] = [];
  let loads = 0;
  const w = watcherOptions(port, "dp-1", {
    fallback: {
      waitMs,
      load: async () => {
        loads += 1;
        return disk;
      },
    },
    onApplyResult: (r) => reports.push(r),
  });
  const watcher = createConfigWatcher(w.opts);
  cleanups.push(() => watcher.stop());
  watcher.start();
  return { ...w, watcher, disk, reports, loads: () => loads };
}

describe("config watcher with a last-known-good fallback", () => {
  it("serves the disk snapshot when the control plane is unreachable, then tells it which version it has", async () => {
    const port = await freeLoopbackPort();
    const w = startWatcher(port, 60_000);
    await waitFor(() => w.watcher.appliedVersion() === w.disk.version, "disk snapshot applied");
    expect(w.reports).toEqual([
      expect.objectContaining({ result: "ack", source: "disk", version: w.disk.version, snapshot: w.disk }),
    ]);
    expect(w.loads()).toBe(1);

    // The control plane comes up already publishing the same version: nothing is transferred.
    const { server } = await startServer(port);
    server.publish(w.disk);
    await waitFor(() => server.nodes()[0]?.connected === true, "connected");
    expect(server.nodes()[0]!.ackedVersion).toBe(w.disk.version);
    const s2 = versionSnapshot(sampleConfig("next"), 6n);
    server.publish(s2);
    await waitFor(() => w.watcher.appliedVersion() === s2.version, "pushed snapshot applied");
    expect(w.appliedVersions).toEqual([w.disk.version, s2.version]);
    expect(w.reports.at(-1)).toMatchObject({ result: "ack", source: "stream", version: s2.version });
    expect(w.loads()).toBe(1);
  });

  it("never reads the disk when the control plane pushes a snapshot in time", async () => {
    const { server, port } = await startServer();
    const s1 = versionSnapshot(sampleConfig("live"), 9n);
    server.publish(s1);
    const w = startWatcher(port, 200);
    await waitFor(() => w.watcher.appliedVersion() === s1.version, "pushed snapshot applied");
    await new Promise((r) => setTimeout(r, 300));
    expect(w.loads()).toBe(0);
    expect(w.watcher.appliedVersion()).toBe(s1.version);
  });

  it("falls back after waitMs when connected to a control plane that has nothing to send", async () => {
    const { server, port } = await startServer();
    const w = startWatcher(port, 100);
    await waitFor(() => w.watcher.appliedVersion() === w.disk.version, "disk snapshot applied");
    expect(server.nodes()[0]!.connected).toBe(true);
    const s1 = versionSnapshot(sampleConfig("live"), 9n);
    server.publish(s1);
    await waitFor(() => server.nodes()[0]?.ackedVersion === s1.version, "pushed snapshot acked");
  });

  it("keeps serving nothing when the disk has nothing usable", async () => {
    const port = await freeLoopbackPort();
    const w = watcherOptions(port, "dp-1", { fallback: { waitMs: 10, load: async () => null } });
    const watcher = createConfigWatcher(w.opts);
    cleanups.push(() => watcher.stop());
    watcher.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(watcher.appliedVersion()).toBeNull();
    expect(w.appliedVersions).toEqual([]);
  });
});
