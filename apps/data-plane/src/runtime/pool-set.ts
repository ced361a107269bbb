import { Pool } from "undici";

/** Pools keyed by origin and connect timeout, shared by successive runtimes. */
export interface PoolSet {
  /** The pool for an origin and connect timeout, created on first use. Returns the key to retain it by. */
  acquire(origin: string, connectTimeoutMs: number): { key: string; pool: Pool };
  /** Closes (gracefully: in-flight requests finish) every pool whose key is not in `keep`. */
  retain(keep: ReadonlySet<string>): Promise<void>;
  /** Closes every pool; used at shutdown. */
  closeAll(): Promise<void>;
  /** How many pools are open; for tests and diagnostics. */
  size(): number;
}

/**
 * Keep-alive settings for upstream connections. The connect timeout is a pool-wide setting in undici, so it
 * is part of the key; the first-byte timeout is set per request. The body timeout is generous because
 * reasoning models can pause for minutes between streamed chunks.
 */
const POOL_DEFAULTS = { keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, bodyTimeout: 300_000 } as const;

/**
 * Creates the set of upstream pools. Keeping pools across snapshots means a config change that does not touch
 * a provider's origin keeps its warm TLS connections, instead of reconnecting to every upstream.
 */
export function createPoolSet(): PoolSet {
  const pools = new Map<string, Pool>();
  return {
    acquire(origin, connectTimeoutMs) {
      const key = `${origin}|${connectTimeoutMs}`;
      let pool = pools.get(key);
      if (!pool) {
        pool = new Pool(origin, { ...POOL_DEFAULTS, connectTimeout: connectTimeoutMs });
        pools.set(key, pool);
      }
      return { key, pool };
    },
    async retain(keep) {
      const closing: Promise<void>[] = [];
      for (const [key, pool] of pools) {
        if (keep.has(key)) continue;
        pools.delete(key);
        closing.push(pool.close());
      }
      await Promise.all(closing);
    },
    async closeAll() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((p) => p.close()));
    },
    size: () => pools.size,
  };
}
