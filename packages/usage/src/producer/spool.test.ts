import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSpool, SPOOL_FILE } from "./spool.ts";

const dirs: string[] = [];
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), "sy-spool-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `line-${from + i}`);

describe("spool file", () => {
  it("appends in order, counts, and is found again by the next process", async () => {
    const dir = freshDir();
    const spool = openSpool(dir, 1_000_000);
    expect(await spool.append(lines(0, 3))).toBe(0);
    expect(await spool.append(lines(3, 5))).toBe(0);
    expect(spool.lines()).toBe(5);
    expect(readFileSync(join(dir, SPOOL_FILE), "utf8")).toBe(`${lines(0, 5).join("\n")}\n`);
    expect(openSpool(dir, 1_000_000).lines()).toBe(5);
  });

  it("drops the oldest lines past the byte cap and says how many", async () => {
    const spool = openSpool(freshDir(), 100); // 90% of the cap is 90 bytes: line-19..line-10 (8 bytes each) and line-9 (7) fit
    expect(await spool.append(lines(0, 10))).toBe(0);
    const dropped = await spool.append(lines(10, 20));
    expect(dropped).toBe(9);
    const sent: string[] = [];
    await spool.replay(async (b) => void sent.push(...b), 100);
    expect(sent).toEqual(lines(9, 20));
  });

  it("replays in batches, keeps the failed batch and the rest, and removes the file when done", async () => {
    const dir = freshDir();
    const spool = openSpool(dir, 1_000_000);
    await spool.append(lines(0, 10));
    const sent: string[] = [];
    let calls = 0;
    await expect(
      spool.replay(async (b) => {
        if (++calls === 3) throw new Error("redis gone");
        sent.push(...b);
      }, 3),
    ).rejects.toThrow("redis gone");
    expect(sent).toEqual(lines(0, 6));
    expect(spool.lines()).toBe(4);
    expect(await spool.replay(async (b) => void sent.push(...b), 3)).toBe(4);
    expect(sent).toEqual(lines(0, 10));
    expect(spool.lines()).toBe(0);
    expect(() => readFileSync(join(dir, SPOOL_FILE))).toThrow();
  });
});
