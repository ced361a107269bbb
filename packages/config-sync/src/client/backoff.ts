/** Options of {@link createBackoff}. */
export interface BackoffOptions {
  /** Upper bound of the first delay. */
  initialMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /** A stream that stayed connected this long counts as healthy and resets the delays. */
  healthyAfterMs: number;
  /** Source of randomness in [0, 1); injectable so tests are deterministic. */
  random?: () => number;
}

/**
 * Reconnect delays: exponential with full jitter (a uniform pick between 0 and the exponential bound), so a
 * fleet that lost its control plane at the same moment does not come back at the same moment.
 */
export function createBackoff(opts: BackoffOptions) {
  const random = opts.random ?? Math.random;
  let attempt = 0;
  return {
    /** The delay before the next attempt; each call widens the window until `maxMs`. */
    next(): number {
      const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
      attempt += 1;
      return Math.floor(random() * ceiling);
    },
    /** Reports how long the stream that just ended was connected; a healthy one starts the delays over. */
    streamEnded(connectedMs: number): void {
      if (connectedMs >= opts.healthyAfterMs) attempt = 0;
    },
  };
}

/** A reconnect delay schedule. */
export type Backoff = ReturnType<typeof createBackoff>;
