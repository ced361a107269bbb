import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { captureLogger } from "../testing/capture-logger.ts";
import { mockProvider, openAIProvider, route, snapshot } from "../testing/snapshot-fixture.ts";
import { snapshotFileKey } from "./snapshot-cipher.ts";
import { createSnapshotFile } from "./snapshot-file.ts";

const dir = mkdtempSync(join(tmpdir(), "dp-lkg-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const secretConfig = (model: string) =>
  snapshot({
    providers: [mockProvider(), openAIProvider("https://api.example.com/v1", { apiKey: "sk-upstream-SECRET-42" })],
    routes: [route("gpt", "prov-openai", model)],
  });

function store(name: string, key = randomBytes(32)) {
  const log = captureLogger();
  const writes: { ok: boolean; bytes: number }[] = [];
  const path = join(dir, name, "lkg.snapshot");
  const file = createSnapshotFile({ path, key, logger: log.logger, onWrite: (w) => writes.push(w) });
  return { file, path, key, log, writes };
}

describe("last-known-good snapshot file", () => {
  it("round-trips the snapshot, encrypted, and leaves no temporary files behind", async () => {
    const { file, path, key, writes } = store("roundtrip");
    expect(await file.load()).toBeNull();
    const s = secretConfig("m1");
    await file.save(s);
    const raw = readFileSync(path);
    expect(raw.includes("sk-upstream-SECRET-42")).toBe(false);
    expect(raw.includes("api.example.com")).toBe(false);
    expect(readdirSync(join(dir, "roundtrip"))).toEqual(["lkg.snapshot"]);
    expect(writes).toEqual([{ ok: true, bytes: expect.any(Number) }]);

    const again = createSnapshotFile({ path, key, logger: captureLogger().logger });
    const loaded = await again.load();
    expect(loaded?.snapshot).toEqual(s);
    expect(loaded?.bytes).toBe(writes[0]?.bytes);
    expect(Date.now() - (loaded?.savedAtMs ?? 0)).toBeLessThan(60_000);
  });

  it("collapses writes queued during a write into the newest", async () => {
    const { file, writes } = store("collapse");
    const saves = ["a", "b", "c", "d"].map((m) => file.save(secretConfig(m)));
    await Promise.all(saves);
    // The first write starts at once; the three queued behind it collapse into one.
    expect(writes).toHaveLength(2);
    expect((await file.load())?.snapshot.config.routes[0]?.upstreamModel).toBe("d");
  });

  it.each([
    ["a different key", (path: string) => path, "cannot be decrypted"],
    [
      "a flipped byte",
      (path: string) => {
        const b = readFileSync(path);
        b[b.length - 3] = (b[b.length - 3] ?? 0) ^ 0xff;
        writeFileSync(path, b);
        return path;
      },
      "cannot be decrypted",
    ],
    [
      "a truncated file",
      (path: string) => {
        writeFileSync(path, readFileSync(path).subarray(0, 20));
        return path;
      },
      "unknown format or truncated",
    ],
  ])("discards a file with %s, with a clear log line, and deletes it", async (name, damage, reason) => {
    const { file, path, key } = store(`damaged-${name.replace(/ /g, "-")}`);
    await file.save(secretConfig("m1"));
    damage(path);
    const log = captureLogger();
    const reader = createSnapshotFile({
      path,
      key: name === "a different key" ? randomBytes(32) : key,
      logger: log.logger,
    });
    expect(await reader.load()).toBeNull();
    expect(log.text()).toContain('"msg":"last-known-good snapshot discarded"');
    expect(log.text()).toContain(reason);
    expect(readdirSync(join(path, ".."))).toEqual([]);
  });

  it("reports a write that cannot happen and keeps going", async () => {
    const blocker = join(dir, "not-a-dir");
    writeFileSync(blocker, "x");
    const log = captureLogger();
    const writes: { ok: boolean }[] = [];
    const file = createSnapshotFile({
      path: join(blocker, "lkg.snapshot"),
      key: randomBytes(32),
      logger: log.logger,
      onWrite: (w) => writes.push(w),
    });
    await file.save(secretConfig("m1"));
    expect(writes).toEqual([{ ok: false, bytes: 0 }]);
    expect(log.text()).toContain("writing the last-known-good snapshot failed");
  });

  it("derives a stable key from the node token unless SNAPSHOT_KEY is given", () => {
    const a = snapshotFileKey(null, "node-token-0123456789");
    expect(a).toHaveLength(32);
    expect(snapshotFileKey(null, "node-token-0123456789")).toEqual(a);
    expect(snapshotFileKey(null, "node-token-9876543210")).not.toEqual(a);
    const explicit = randomBytes(32);
    expect(snapshotFileKey(explicit, "node-token-0123456789")).toBe(explicit);
  });
});
