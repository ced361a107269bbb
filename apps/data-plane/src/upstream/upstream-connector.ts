import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { isInternalAddress, isInternalHostname } from "@switchyard/policy";
import type { buildConnector } from "undici";
import { UpstreamConnectError } from "./connect-error.ts";
import { authorityOf, openTunnel } from "./proxy-tunnel.ts";

/** One address a host name resolves to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to all of its addresses; injected in tests, so they never depend on DNS. */
export type Resolver = (host: string) => Promise<readonly ResolvedAddress[]>;

/** The system resolver (`getaddrinfo`, so /etc/hosts and the pod's DNS settings apply), every address. */
export const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

/** undici's connect function: opens TCP (and TLS for https) to `hostname`, or TLS over `httpSocket`. */
export type Dial = buildConnector.connector;

/** How one pool connects to its origin. */
export interface UpstreamConnectorOptions {
  /** Internal addresses allowed: the provider's `allowInternal`, or the node's ALLOW_INTERNAL_UPSTREAMS. */
  readonly allowInternal: boolean;
  /** Covers name resolution and the proxy's CONNECT; `dial` applies it to TCP and TLS itself. */
  readonly timeoutMs: number;
  readonly resolve: Resolver;
  readonly dial: Dial;
  /** The proxy this origin is reached through, or null for a direct connection. */
  readonly proxy: URL | null;
  /** TLS options for an `https://` proxy (the same trust store as the upstreams). */
  readonly proxyTls: ConnectionOptions;
}

function refused(host: string, address: string): UpstreamConnectError {
  const what =
    host === address ? `${host} is an internal address` : `${host} resolves to ${address}, an internal address`;
  return new UpstreamConnectError(
    "SY_INTERNAL_ADDRESS_REFUSED",
    `${what}; the provider is not allowed to reach internal addresses`,
  );
}

function withTimeout<T>(p: Promise<T>, ms: number, host: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new UpstreamConnectError("UND_ERR_CONNECT_TIMEOUT", `resolving ${host} took too long`)),
      ms,
    );
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * The addresses to connect to for `host`, checked against the internal-address guard: an IP literal as it is,
 * a name resolved once with every address checked (one internal address refuses the name, as the control
 * plane's write-time check does). Connecting only to checked addresses leaves no window for DNS rebinding
 * between check and connect. Through a proxy (`viaProxy`) a name this node cannot resolve is let through
 * (null): the proxy resolves it, and split DNS behind a proxy is common.
 */
async function checkedAddresses(
  o: UpstreamConnectorOptions,
  host: string,
  viaProxy: boolean,
): Promise<readonly string[] | null> {
  if (isIP(host) !== 0) {
    if (!o.allowInternal && isInternalAddress(host)) throw refused(host, host);
    return [host];
  }
  if (!o.allowInternal && isInternalHostname(host)) throw refused(host, host);
  let addresses: readonly ResolvedAddress[];
  try {
    addresses = await withTimeout(o.resolve(host), o.timeoutMs, host);
  } catch (e) {
    if (viaProxy && !(e instanceof UpstreamConnectError)) return null;
    throw e;
  }
  if (addresses.length === 0) {
    if (viaProxy) return null;
    throw Object.assign(new Error(`${host} has no addresses`), { code: "ENOTFOUND" });
  }
  if (!o.allowInternal) {
    const inside = addresses.find((a) => isInternalAddress(a.address));
    if (inside) throw refused(host, inside.address);
  }
  return addresses.map((a) => a.address);
}

/** Connect failures that say "not this address": the next address of the name is tried (IPv6 without a route). */
const NEXT_ADDRESS = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "EAFNOSUPPORT"]);

/** Dials the checked addresses in order until one connects, as Node does for a name with several addresses. */
function dialInOrder(
  o: UpstreamConnectorOptions,
  opts: buildConnector.Options,
  addresses: readonly string[],
  callback: buildConnector.Callback,
): void {
  const attempt = (i: number): void => {
    o.dial({ ...opts, hostname: addresses[i]! }, (...result) => {
      const e = result[0];
      const code = (e as { code?: unknown } | null)?.code;
      if (e !== null && i + 1 < addresses.length && typeof code === "string" && NEXT_ADDRESS.has(code)) {
        attempt(i + 1);
        return;
      }
      callback(...result);
    });
  };
  attempt(0);
}

/**
 * The connect function of one upstream pool: undici hands it the origin's host, it checks where that host
 * leads (see {@link checkedAddresses}) and then either dials the checked addresses directly, keeping the host name
 * for TLS (SNI and certificate checks), or tunnels through the outbound proxy with `CONNECT host:port` and
 * speaks TLS to the upstream over the tunnel. Failures reach the request as connect errors (a 502).
 */
export function upstreamConnector(o: UpstreamConnectorOptions): Dial {
  return function connectUpstream(opts, callback) {
    const host = opts.hostname.replace(/^\[|\]$/g, "");
    const https = opts.protocol === "https:";
    const port = Number(opts.port || (https ? 443 : 80));
    const servername = opts.servername || (isIP(host) === 0 ? host : undefined);
    const viaProxy = o.proxy !== null;
    checkedAddresses(o, host, viaProxy)
      .then(async (addresses) => {
        if (o.proxy === null) {
          dialInOrder(o, { ...opts, ...(https && servername ? { servername } : {}) }, addresses!, callback);
          return;
        }
        const socket = await openTunnel(o.proxy, authorityOf(host, port), o.timeoutMs, o.proxyTls);
        if (!https) {
          socket.setNoDelay(true);
          callback(null, socket);
          return;
        }
        o.dial({ ...opts, hostname: host, ...(servername ? { servername } : {}), httpSocket: socket }, callback);
      })
      .catch((e: Error) => callback(e, null));
  };
}
