import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { isInternalAddress, isInternalHostname } from "@switchyard/policy";

/** Options for {@link createUpstreamGuard}. */
export interface UpstreamGuardOptions {
  /**
   * When true, internal addresses are allowed for every provider (ALLOW_INTERNAL_UPSTREAMS: local mode, or a
   * deployment whose providers all live in the cluster). Otherwise only providers marked `allowInternal` may use them.
   */
  allowInternal: boolean;
  /** Resolver, injectable for tests; defaults to the system resolver. */
  resolve?: (host: string) => Promise<string[]>;
}

const systemResolve = async (host: string): Promise<string[]> =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Refuses upstream URLs that point at internal addresses (loopback, private ranges, link-local cloud
 * metadata) unless allowed globally or for this provider (`providerAllowsInternal`), so an admin token cannot
 * quietly turn the gateway into a proxy into the cluster: reaching inside takes an explicit, visible setting.
 * The data plane checks again at connect time, on the addresses it actually dials.
 * Host names are resolved, because a public-looking name can point inside. A name that does not resolve
 * is allowed: the data plane will simply fail to connect, and DNS may be split between planes.
 */
export function createUpstreamGuard(
  opts: UpstreamGuardOptions,
): (url: string, providerAllowsInternal: boolean) => Promise<string | null> {
  const resolve = opts.resolve ?? systemResolve;
  return async function guardUpstream(url: string, providerAllowsInternal: boolean): Promise<string | null> {
    if (opts.allowInternal || providerAllowsInternal) return null;
    const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
    if (isIP(host)) return isInternalAddress(host) ? `${host} is an internal address` : null;
    if (isInternalHostname(host)) return `${host} is an internal host name`;
    let addresses: string[];
    try {
      addresses = await resolve(host);
    } catch {
      return null;
    }
    const internal = addresses.find(isInternalAddress);
    return internal ? `${host} resolves to an internal address` : null;
  };
}
