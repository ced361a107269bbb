/** Options of {@link createBreaker}; every field has a default. */
export interface BreakerOptions {
  /** Consecutive failures (errors or timeouts) that open the breaker; default 3. */
  failureThreshold?: number;
  /** First open period; doubled after each failed probe; default 250 ms. */
  baseBackoffMs?: number;
  /** Longest open period; default 10 s. */
  maxBackoffMs?: number;
  /** Clock in epoch ms; tests inject one. */
  now?: () => number;
}

/** A circuit breaker: closed, open (no calls), half-open (one probe call). */
export interface Breaker {
  /** Whether a call may be made now; in half-open state only the one probe is let through. */
  allow(): boolean;
  /** Records a successful call; true when it ended an outage (the breaker had failures or was open). */
  success(): boolean;
  /** Records a failed call; true when this failure opened the breaker. */
  failure(): boolean;
  /** Whether calls are currently refused without trying. */
  isOpen(): boolean;
}

/**
 * After `failureThreshold` consecutive failures the breaker opens for `baseBackoffMs`; then one probe goes
 * through. A successful probe closes it; a failed one reopens it for twice as long, up to `maxBackoffMs`.
 * While open the store is not touched at all, so a dead Redis costs no connect attempts or timeouts.
 */
export function createBreaker(opts: BreakerOptions = {}): Breaker {
  const threshold = opts.failureThreshold ?? 3;
  const base = opts.baseBackoffMs ?? 250;
  const max = opts.maxBackoffMs ?? 10_000;
  const now = opts.now ?? Date.now;
  let failures = 0;
  let openUntil = 0;
  let backoff = 0;
  let probing = false;

  return {
    allow() {
      if (backoff === 0) return true;
      if (probing || now() < openUntil) return false;
      probing = true;
      return true;
    },
    success() {
      const ended = failures > 0 || backoff > 0;
      failures = 0;
      backoff = 0;
      probing = false;
      return ended;
    },
    failure() {
      failures++;
      if (probing) {
        probing = false;
        backoff = Math.min(backoff * 2, max);
        openUntil = now() + backoff;
        return false;
      }
      if (backoff === 0 && failures >= threshold) {
        backoff = base;
        openUntil = now() + backoff;
        return true;
      }
      return false;
    },
    isOpen() {
      return backoff > 0;
    },
  };
}
