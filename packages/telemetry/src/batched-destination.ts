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
  /** How long a line may wait for others to share its write; 10 ms by default. */
  flushIntervalMs?: number;
}

/** Pending bytes that are written at once instead of waiting for the interval. */
const WRITE_NOW_BYTES = 16 * 1024;

/** How long to wait before retrying when a non-blocking pipe is full. */
const RETRY_MS = 10;

/** Every destination made, flushed once when the process exits (one listener, however many loggers). */
const open = new Set<BatchedDestination>();
let exitHookInstalled = false;

/**
 * A log destination that gathers lines for up to `flushIntervalMs` and writes them with one `write(2)`: at
 * ten thousand requests a second that is one system call per hundred access lines instead of one each (and
 * gathering per event-loop turn was not enough: a busy turn still holds only a request or two). A line is
 * never held longer than the interval, and 16 KiB of pending lines are written at once.
 *
 * The write is synchronous on purpose: measured on our machines, handing a write to libuv's thread pool
 * (what `fs.write` and pino's asynchronous mode do) costs the event loop about 10x a direct write of the same
 * bytes. A full non-blocking pipe defers the rest (retried shortly) rather than blocking; if the reader
 * stalls long enough for `maxPendingBytes` to fill, lines are dropped and the next write says how many.
 */
export function batchedDestination(opts: BatchedDestinationOptions = {}): BatchedDestination {
  const fd = opts.fd ?? 1;
  const maxPending = opts.maxPendingBytes ?? 16 * 1024 * 1024;
  const intervalMs = opts.flushIntervalMs ?? 10;
  let pending: string[] = [];
  let pendingBytes = 0;
  /** Bytes of an earlier batch that a full pipe did not take yet; they go out before anything newer. */
  let rest: Buffer | null = null;
  let dropped = 0;
  let timer: NodeJS.Timeout | null = null;
  let soon = false;
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

  /** Writes what is pending, whichever of the interval timer or the size threshold came first. */
  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    soon = false;
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
      if (pendingBytes >= WRITE_NOW_BYTES) {
        // Still after the current callback, never inside the request that logged the line.
        if (!soon) {
          soon = true;
          setImmediate(flush);
        }
      } else if (timer === null && !soon) {
        // Unreferenced: a pending line never keeps the process alive; exit flushes it.
        timer = setTimeout(flush, intervalMs);
        timer.unref();
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
