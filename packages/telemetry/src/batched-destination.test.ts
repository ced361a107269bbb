import fs, { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { batchedDestination } from "./batched-destination.ts";

const dir = mkdtempSync(join(tmpdir(), "telemetry-dest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("batchedDestination", () => {
  it("writes the lines gathered within the interval with one system call", async () => {
    const path = join(dir, "batch.log");
    const fd = openSync(path, "w");
    const spy = vi.spyOn(fs, "writeSync");
    const dest = batchedDestination({ fd, flushIntervalMs: 20 });
    for (let i = 0; i < 50; i++) dest.write(`line ${i}\n`);
    await new Promise((r) => setImmediate(r));
    expect(readFileSync(path, "utf8")).toBe("");
    await vi.waitFor(() => expect(readFileSync(path, "utf8").split("\n")).toHaveLength(51));
    const calls = spy.mock.calls.filter((c) => c[0] === fd).length;
    spy.mockRestore();
    expect(calls).toBe(1);
    dest.write("late\n");
    await vi.waitFor(() => expect(readFileSync(path, "utf8").endsWith("line 49\nlate\n")).toBe(true));
    closeSync(fd);
  });

  it("flushes synchronously on demand, and drops (and counts) lines past the pending limit", () => {
    const path = join(dir, "sync.log");
    const fd = openSync(path, "w");
    const dest = batchedDestination({ fd, maxPendingBytes: 10 });
    dest.write("0123456789ab\n");
    dest.write("dropped\n");
    dest.write("dropped too\n");
    dest.flushSync();
    const lines = readFileSync(path, "utf8").trim().split("\n");
    expect(lines[0]).toBe("0123456789ab");
    expect(JSON.parse(lines[1]!)).toMatchObject({ msg: "log lines dropped", dropped: 2 });
    closeSync(fd);
  });

  it("keeps what a full non-blocking pipe refused and writes it, in order, shortly after", async () => {
    const path = join(dir, "eagain.log");
    const fd = openSync(path, "w");
    const real = fs.writeSync;
    let refused = false;
    const spy = vi.spyOn(fs, "writeSync").mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      if (args[0] === fd && !refused) {
        refused = true;
        throw Object.assign(new Error("EAGAIN"), { code: "EAGAIN" });
      }
      return real(...(args as unknown as [number, Buffer, number, number]));
    }) as typeof fs.writeSync);
    try {
      const dest = batchedDestination({ fd, flushIntervalMs: 1 });
      dest.write("first\n");
      await vi.waitFor(() => expect(refused).toBe(true));
      dest.write("second\n");
      await vi.waitFor(() => expect(readFileSync(path, "utf8")).toBe("first\nsecond\n"));
    } finally {
      spy.mockRestore();
      closeSync(fd);
    }
  });
});
