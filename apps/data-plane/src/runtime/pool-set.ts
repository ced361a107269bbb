import { buildConnector, Pool } from "undici";
import { type Dial, type Resolver, systemResolver, upstreamConnector } from "../upstream/upstream-connector.ts";
import { DIRECT_NETWORK, proxyFor, type UpstreamNetwork, upstreamCa } from "../upstream/upstream-network.ts";

/** Pools keyed by origin, connect timeout and internal-address permission, shared by successive runtimes. */
export interface PoolSet {
  /**
   * The pool for an origin, created on first use: its connections time out after `connectTimeoutMs` and reach
   * internal addresses only when `allowInternal` (the provider's setting) or the node's setting allows. Returns
   * the key to retain it by.
   */
  acquire(origin: string, connectTimeoutMs: number, allowInternal: boolean): { key: string; pool: Pool };
  /** Closes (gracefully: in-flight requests finish) every pool whose key is not in `keep`. */
  retain(keep: ReadonlySet<string>): Promise<void>;
  /** Closes every pool; used at shutdown. */
  closeAll(): Promise<void>;
  /** How many pools are open; for tests and diagnostics. */
  size(): number;
}

/** Options for {@link createPoolSet}; everything defaults to a direct connection through the system resolver. */
export interface PoolSetOptions {
  /** Proxies, extra CA and the node-wide internal-address override, from the environment. */
  network?: UpstreamNetwork;
  /** Name resolution for the internal-address guard; tests inject one so they never depend on DNS. */
  resolve?: Resolver;
  /**
   * Makes the final dialler of a pool (TCP, then TLS) from its TLS and timeout settings: undici's own by
   * default. Tests wrap it to fail on any address the guard should have refused.
   */
  dialer?: (options: buildConnector.BuildOptions) => Dial;
}

/**
 * Keep-alive settings for upstream connections. The connect timeout is a pool-wide setting in undici, so it
 * is part of the key; the first-byte timeout is set per request. The body timeout is generous because
 * reasoning models can pause for minutes between streamed chunks.
 */
const POOL_DEFAULTS = { keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, bodyTimeout: 300_000 } as const;

/**
 * Creates the set of upstream pools. Keeping pools across snapshots means a config change that does not touch
 * a provider's origin keeps its warm TLS connections, instead of reconnecting to every upstream. Every pool
 * connects through {@link upstreamConnector}: the internal-address guard on the address actually dialled, the
 * outbound proxy when one applies to the origin, and the extra CA. Which proxy applies is decided here, once
 * per pool, not per request.
 */
export function createPoolSet(opts: PoolSetOptions = {}): PoolSet {
  const network = opts.network ?? DIRECT_NETWORK;
  const resolve = opts.resolve ?? systemResolver;
  const dialer = opts.dialer ?? buildConnector;
  const ca = upstreamCa(network);
  const tls = ca === undefined ? {} : { ca };
  const pools = new Map<string, Pool>();
  return {
    acquire(origin, connectTimeoutMs, allowInternal) {
      const inside = allowInternal || network.allowInternal;
      const key = `${origin}|${connectTimeoutMs}|${inside ? "internal" : "public"}`;
      let pool = pools.get(key);
      if (!pool) {
        const connect = upstreamConnector({
          allowInternal: inside,
          timeoutMs: connectTimeoutMs,
          resolve,
          dial: dialer({ ...tls, timeout: connectTimeoutMs }),
          proxy: proxyFor(network, new URL(origin)),
          proxyTls: tls,
        });
        pool = new Pool(origin, { ...POOL_DEFAULTS, connectTimeout: connectTimeoutMs, connect });
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
