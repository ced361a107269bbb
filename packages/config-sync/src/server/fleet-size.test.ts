import { afterEach, describe, expect, it } from "vitest";
import { createConfigWatcher } from "../client/index.ts";
import { versionSnapshot } from "../codec/index.ts";
import { recordingLogger, sampleConfig, TEST_TOKEN, waitFor, watcherOptions } from "../test-fixtures.ts";
import { createConfigServer } from "./index.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer() {
  const server = createConfigServer({
    nodeTokens: [TEST_TOKEN],
    host: "127.0.0.1",
    port: 0,
    logger: recordingLogger(),
  });
  const port = await server.listen();
  cleanups.push(() => server.close(100));
  return { server, port };
}

function startNode(port: number, nodeId: string) {
  const seen: number[] = [];
  const { opts } = watcherOptions(port, nodeId, { onFleetSize: (n) => seen.push(n) });
  const watcher = createConfigWatcher(opts);
  watcher.start();
  cleanups.push(() => watcher.stop());
  return { watcher, seen };
}

describe("fleet size", () => {
  it("tells every node how many are connected, and again when one leaves", async () => {
    const { server, port } = await startServer();
    server.publish(versionSnapshot(sampleConfig(), 1n));
    const a = startNode(port, "node-a");
    await waitFor(() => a.watcher.fleetSize() === 1, "node a to see a fleet of 1");
    const b = startNode(port, "node-b");
    await waitFor(() => a.watcher.fleetSize() === 2 && b.watcher.fleetSize() === 2, "both nodes to see 2");
    expect(server.fleetSize()).toBe(2);

    await b.watcher.stop();
    await waitFor(() => a.watcher.fleetSize() === 1, "node a to see 1 again");
    expect(a.seen).toEqual([1, 2, 1]);
    // The size is beside the snapshot, not in it: node a was never sent the snapshot again.
    expect(a.watcher.appliedVersion()).toBe(server.current()?.version);
  });

  it("counts the size set from outside (every replica's nodes) when it is larger than its own", async () => {
    const { server, port } = await startServer();
    const a = startNode(port, "node-a");
    await waitFor(() => a.watcher.fleetSize() === 1, "node a to see 1");
    server.setFleetSize(5);
    await waitFor(() => a.watcher.fleetSize() === 5, "node a to see 5");
    server.publish(versionSnapshot(sampleConfig(), 1n));
    await waitFor(() => a.watcher.appliedVersion() !== null, "the snapshot");
    expect(a.watcher.fleetSize()).toBe(5);
    server.setFleetSize(null);
    await waitFor(() => a.watcher.fleetSize() === 1, "node a to see its own count again");
  });
});
