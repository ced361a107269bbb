/** Options of {@link createDebouncer}. */
export interface DebouncerOptions {
  /** Quiet time that ends a burst; also the minimum spacing of runs started by the leading edge. */
  waitMs: number;
  /** Longest a trigger may wait, however long the burst goes on. */
  maxWaitMs: number;
  /** The work; called without arguments, never concurrently by the debouncer itself. */
  run(): void;
  now?: () => number;
}

/** A leading + trailing debounce with a maximum delay. */
export interface Debouncer {
  /** Asks for a run; `urgent` runs at once, skipping the debounce. */
  trigger(urgent?: boolean): void;
  /** Cancels a pending trailing run. */
  cancel(): void;
}

/**
 * Coalesces bursts: the first trigger after a quiet period runs at once (leading edge, so a lone write is not
 * delayed), triggers during a burst collapse into one run when it goes quiet for `waitMs` (trailing edge), and
 * no trigger waits longer than `maxWaitMs` even if the burst never pauses.
 */
export function createDebouncer(opts: DebouncerOptions): Debouncer {
  const now = opts.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  /** When the oldest trigger not yet served arrived; null when none is pending. */
  let pendingSince: number | null = null;
  let lastRunAt = Number.NEGATIVE_INFINITY;

  const fire = (): void => {
    clearTimeout(timer);
    timer = undefined;
    pendingSince = null;
    lastRunAt = now();
    opts.run();
  };

  return {
    trigger(urgent = false) {
      const t = now();
      if (urgent) return fire();
      if (pendingSince === null) {
        if (t - lastRunAt >= opts.waitMs) return fire();
        pendingSince = t;
      }
      clearTimeout(timer);
      const delay = Math.max(0, Math.min(opts.waitMs, pendingSince + opts.maxWaitMs - t));
      timer = setTimeout(fire, delay);
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      pendingSince = null;
    },
  };
}
