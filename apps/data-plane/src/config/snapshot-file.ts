import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { decodeSnapshot, encodeSnapshotSteps, runSliced } from "@switchyard/config-sync/codec";
import type { VersionedSnapshot } from "@switchyard/policy";
import type { Logger } from "@switchyard/telemetry";
import { openSnapshot, sealSnapshot } from "./snapshot-cipher.ts";

/** A snapshot read back from disk. */
export interface StoredSnapshot {
  readonly snapshot: VersionedSnapshot;
  /** When the file was written, which is when the node last knew this snapshot was current. */
  readonly savedAtMs: number;
  /** Size of the encoded snapshot, before encryption. */
  readonly bytes: number;
}

/** The last-known-good snapshot file. */
export interface SnapshotFile {
  /** Reads and checks the file; null when there is none or it was discarded. Never throws. */
  load(): Promise<StoredSnapshot | null>;
  /** Writes `s` atomically; writes queued meanwhile collapse into the newest. Never throws. */
  save(s: VersionedSnapshot): Promise<void>;
  /** Resolves once no write is in progress or queued, so shutdown does not cut the newest one. */
  flushed(): Promise<void>;
}

/** Options of {@link createSnapshotFile}. */
export interface SnapshotFileOptions {
  path: string;
  /** 32-byte AES-256-GCM key (see snapshot-cipher.ts). */
  key: Buffer;
  logger: Logger;
  /** Told after each write attempt, with the encoded size when it succeeded. */
  onWrite?(result: { ok: boolean; bytes: number }): void;
}

/**
 * Keeps the last applied snapshot on disk, encrypted, so a node restarted while the control plane is away can
 * serve. A write goes to a temporary file in the same folder, is flushed, then renamed over the old file, so a
 * crash leaves either the old or the new file, never half of one. A file that cannot be decrypted or fails the
 * snapshot checks is deleted with one clear log line: serving a config we cannot verify is worse than none.
 */
export function createSnapshotFile(opts: SnapshotFileOptions): SnapshotFile {
  const { path, key, logger } = opts;
  let pending: VersionedSnapshot | null = null;
  let writing: Promise<void> | null = null;

  const discard = async (reason: string): Promise<null> => {
    logger.warn({ path, reason }, "last-known-good snapshot discarded");
    await unlink(path).catch(() => {});
    return null;
  };

  const writeOnce = async (s: VersionedSnapshot): Promise<void> => {
    // In slices: with 100,000 keys encoding takes a second or more, which requests must not wait for.
    const plain = await runSliced(encodeSnapshotSteps(s));
    const dir = dirname(path);
    const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const fh = await open(tmp, "w", 0o600);
      try {
        await fh.writeFile(sealSnapshot(key, plain));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
      // The rename itself must reach the disk too, or a power cut could bring back the old directory entry.
      const d = await open(dir, "r");
      await d.sync().finally(() => d.close());
      opts.onWrite?.({ ok: true, bytes: plain.length });
      logger.debug({ path, version: s.version, bytes: plain.length }, "last-known-good snapshot written");
    } catch (e) {
      await unlink(tmp).catch(() => {});
      opts.onWrite?.({ ok: false, bytes: 0 });
      logger.warn(
        { path, err: (e as NodeJS.ErrnoException).code ?? "unknown" },
        "writing the last-known-good snapshot failed; serving continues",
      );
    }
  };

  const drain = async (): Promise<void> => {
    try {
      while (pending) {
        const next = pending;
        pending = null;
        await writeOnce(next);
      }
    } finally {
      writing = null;
    }
  };

  return {
    async load() {
      let data: Buffer;
      let savedAtMs: number;
      try {
        data = await readFile(path);
        savedAtMs = (await stat(path)).mtimeMs;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") logger.info({ path }, "no last-known-good snapshot on disk");
        else logger.warn({ path, err: code ?? "unknown" }, "last-known-good snapshot cannot be read");
        return null;
      }
      const plain = openSnapshot(key, data);
      if (!plain.ok) return discard(plain.error);
      const decoded = decodeSnapshot(plain.value);
      if (!decoded.ok) return discard(`snapshot refused (${decoded.error.code}): ${decoded.error.message}`);
      return { snapshot: decoded.value, savedAtMs, bytes: plain.value.length };
    },
    save(s) {
      pending = s;
      writing ??= drain();
      return writing;
    },
    flushed: () => writing ?? Promise.resolve(),
  };
}
