import fs from "node:fs";

/** Where pino writes: a line at a time, with a synchronous flush for exit and fatal errors. */
export interface BatchedDestination {
  write(line: string): void;
  /** Writes everything pending now; pino calls it after `fatal`, and so does process exit. */
  flushSync(): void;
}

/** Options for {@link batchedDestination}. */
export interface BatchedDestinationOptions {
  /** File descriptor to write to; stdout by default. */
  fd?: number;
  /** Pending bytes above which new lines are dropped (and counted) rather than queued; 16 MiB by default. */
  maxPendingBytes?: number;
}

/** How long to wait before retrying when a non-blocking pipe is full. */
const RETRY_MS = 10;

/** Every destination made, flushed once when the process exits (one listener, however many loggers). */
const open = new Set<BatchedDestination>();
let exitHookInstalled = false;

/**
 * A log destination that gathers the lines of one event-loop turn and writes them with one `write(2)` after
 * the turn (in a setImmediate callback, once the turn's responses have been written). Under load a turn
 * serves many requests, so their access lines cost one system call instead of one each; when idle, a line
 * is written right after the turn that logged it, so nothing waits for a buffer to fill.
 *
 * The write is synchronous on purpose: measured on our machines, handing a write to libuv's thread pool
 * (what `fs.write` and pino's asynchronous mode do) costs the event loop about 10x a direct write of the same
 * bytes. A full non-blocking pipe defers the rest (retried shortly) rather than blocking; if the reader
 * stalls long enough for `maxPendingBytes` to fill, lines are dropped and the next write says how many.
 */
export function batchedDestination(opts: BatchedDestinationOptions = {}): BatchedDestination {
  const fd = opts.fd ?? 1;
  const maxPending = opts.maxPendingBytes ?? 16 * 1024 * 1024;
  let pending: string[] = [];
  let pendingBytes = 0;
  /** Bytes of an earlier batch that a full pipe did not take yet; they go out before anything newer. */
  let rest: Buffer | null = null;
  let dropped = 0;
  let scheduled = false;
  let retrying = false;

  const writeOut = (): void => {
    if (pending.length > 0 || dropped > 0) {
      if (dropped > 0) {
        pending.push(`${JSON.stringify({ level: 40, time: Date.now(), msg: "log lines dropped", dropped })}\n`);
        dropped = 0;
      }
      const fresh = Buffer.from(pending.join(""));
      rest = rest === null ? fresh : Buffer.concat([rest, fresh]);
      pending = [];
      pendingBytes = 0;
    }
    let offset = 0;
    const data = rest;
    rest = null;
    if (data === null) return;
    while (offset < data.length) {
      try {
        offset += fs.writeSync(fd, data, offset, data.length - offset);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") rest = data.subarray(offset);
        // Anything else (a closed pipe) loses this batch: logging must never take the process down.
        break;
      }
    }
    if (rest !== null && !retrying) {
      retrying = true;
      setTimeout(() => {
        retrying = false;
        writeOut();
      }, RETRY_MS).unref();
    }
  };

  const flush = (): void => {
    scheduled = false;
    writeOut();
  };

  const dest: BatchedDestination = {
    write(line) {
      if (pendingBytes + (rest?.length ?? 0) > maxPending) {
        dropped++;
        return;
      }
      pending.push(line);
      pendingBytes += line.length;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flushSync: writeOut,
  };
  open.add(dest);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const d of open) d.flushSync();
    });
  }
  return dest;
}
