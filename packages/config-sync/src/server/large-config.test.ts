import { type ApiKeySpec, buildSnapshot, type ConfigSnapshot } from "@switchyard/policy";
import { afterEach, describe, expect, it } from "vitest";
import { createConfigWatcher } from "../client/index.ts";
import { encodeSnapshot, versionSnapshot } from "../codec/index.ts";
import { recordingLogger, sampleConfig, TEST_TOKEN, waitFor, watcherOptions } from "../test-fixtures.ts";
import { createConfigServer } from "./index.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const CONSUMER = "20000000-0000-4000-8000-000000000001";
const key = (n: number): ApiKeySpec => ({
  id: `30000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
  consumerId: CONSUMER,
  hash: n.toString(16).padStart(64, "0"),
});

/** The sample configuration with `keys` API keys. */
function withKeys(keys: ApiKeySpec[]): ConfigSnapshot {
  const c = sampleConfig("big");
  return buildSnapshot({ ...c, apiKeys: keys });
}

describe("a configuration with 100,000 API keys", () => {
  it("goes through whole once, then adding or revoking one key sends a delta and ends in the same state", async () => {
    const sent: string[] = [];
    const server = createConfigServer({
      nodeTokens: [TEST_TOKEN],
      host: "127.0.0.1",
      port: 0,
      logger: recordingLogger(),
      events: { onSent: (kind) => sent.push(kind) },
    });
    const port = await server.listen();
    cleanups.push(() => server.close(100));
    const keys = Array.from({ length: 100_000 }, (_, i) => key(i + 1));
    const s1 = versionSnapshot(withKeys(keys), 1n);
    server.publish(s1);
    const held: { current: ReturnType<typeof versionSnapshot> | null } = { current: null };
    const w = watcherOptions(port, "dp-big", {
      apply: (s) => {
        held.current = s;
        return { ok: true, value: undefined };
      },
    });
    const watcher = createConfigWatcher(w.opts);
    cleanups.push(() => watcher.stop());
    watcher.start();
    await waitFor(() => server.nodes()[0]?.ackedVersion === s1.version, "full snapshot acked", 30_000);
    expect(encodeSnapshot(s1).length).toBeGreaterThan(10_000_000);

    const s2 = versionSnapshot(withKeys([...keys, key(100_001)]), 2n);
    server.publish(s2);
    await waitFor(() => server.nodes()[0]?.ackedVersion === s2.version, "added key acked", 30_000);
    const s3 = versionSnapshot(withKeys([...keys.slice(1), key(100_001)]), 3n);
    server.publish(s3);
    await waitFor(() => server.nodes()[0]?.ackedVersion === s3.version, "revocation acked", 30_000);

    expect(sent).toEqual(["full", "delta", "delta"]);
    // Identical to what a full push of s3 gives.
    expect(held.current).toEqual(s3);
  }, 60_000);
});
