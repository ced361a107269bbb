import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { appendFile, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The spool file's name inside the spool folder; one folder per data-plane process. */
export const SPOOL_FILE = "usage-spool.jsonl";

/**
 * A local file of usage records (one JSON line each) kept while Redis cannot take them. It is not safe for
 * concurrent use: the producer runs every call through one promise chain, so appends, trims and replays never
 * overlap. Counts are kept in memory so the producer can ask "anything spooled?" without touching the disk.
 */
export interface Spool {
  /** Appends lines; when the file would pass its byte cap, the oldest lines go first. Returns how many were dropped. */
  append(lines: readonly string[]): Promise<number>;
  /**
   * Sends the spooled lines in file order, `batchSize` at a time. Lines sent are removed; when a batch fails,
   * it and the rest stay in the file and the error is rethrown. Returns how many lines were sent.
   */
  replay(send: (batch: string[]) => Promise<void>, batchSize: number): Promise<number>;
  /** Lines in the file now. */
  lines(): number;
}

/** Opens (creating the folder if needed) the spool in `dir`, counting what a previous process left there. */
export function openSpool(dir: string, maxBytes: number): Spool {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, SPOOL_FILE);
  const tmp = `${path}.tmp`;
  let lineCount = 0;
  let byteCount = 0;
  if (existsSync(path)) {
    // Start-up only: what a crashed or cut-off process left behind is counted so it gets replayed.
    const text = readFileSync(path, "utf8");
    lineCount = splitLines(text).length;
    byteCount = Buffer.byteLength(text);
  }

  async function rewrite(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) {
      await unlink(path).catch(() => {});
    } else {
      // Written beside and renamed over, so a crash mid-write leaves either the old file or the new one.
      await writeFile(tmp, `${lines.join("\n")}\n`);
      await rename(tmp, path);
    }
    lineCount = lines.length;
    byteCount = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
  }

  return {
    lines: () => lineCount,

    async append(lines) {
      if (lines.length === 0) return 0;
      const added = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
      if (byteCount + added <= maxBytes) {
        await appendFile(path, `${lines.join("\n")}\n`);
        lineCount += lines.length;
        byteCount += added;
        return 0;
      }
      // Over the cap: keep the newest lines that fit in 90% of it, so the next appends do not rewrite again.
      const all = [...(lineCount > 0 ? splitLines(await readFile(path, "utf8")) : []), ...lines];
      let keepFrom = all.length;
      let kept = 0;
      while (keepFrom > 0) {
        const size = Buffer.byteLength(all[keepFrom - 1] as string) + 1;
        if (kept + size > maxBytes * 0.9) break;
        kept += size;
        keepFrom--;
      }
      await rewrite(all.slice(keepFrom));
      return keepFrom;
    },

    async replay(send, batchSize) {
      if (lineCount === 0) return 0;
      const all = splitLines(await readFile(path, "utf8"));
      let sent = 0;
      try {
        while (sent < all.length) {
          const batch = all.slice(sent, sent + batchSize);
          await send(batch);
          sent += batch.length;
        }
      } finally {
        await rewrite(all.slice(sent));
      }
      return sent;
    },
  };
}

function splitLines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}
