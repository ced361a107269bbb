import { rootCertificates } from "node:tls";
import { bypassesProxy } from "./no-proxy.ts";

/** How this node reaches providers, from its environment; the same for every pool. */
export interface UpstreamNetwork {
  /** ALLOW_INTERNAL_UPSTREAMS: every provider may reach internal addresses (local mode sets it). */
  readonly allowInternal: boolean;
  /** HTTP_PROXY / http_proxy: the proxy for `http://` providers. */
  readonly httpProxy: URL | null;
  /** HTTPS_PROXY / https_proxy: the proxy for `https://` providers. */
  readonly httpsProxy: URL | null;
  /** NO_PROXY / no_proxy entries: providers reached directly whatever the proxies. */
  readonly noProxy: readonly string[];
  /** UPSTREAM_CA_FILE's PEM text, trusted for provider TLS in addition to Node's default roots. */
  readonly caPem: string | null;
}

/** No proxy, no extra CA, internal addresses refused: what a node without those settings does. */
export const DIRECT_NETWORK: UpstreamNetwork = Object.freeze({
  allowInternal: false,
  httpProxy: null,
  httpsProxy: null,
  noProxy: Object.freeze([]),
  caPem: null,
});

/** The proxy an origin's connections go through, or null when it is reached directly. */
export function proxyFor(network: UpstreamNetwork, origin: URL): URL | null {
  const proxy = origin.protocol === "https:" ? network.httpsProxy : network.httpProxy;
  if (proxy === null) return null;
  const port = Number(origin.port || (origin.protocol === "https:" ? 443 : 80));
  return bypassesProxy(network.noProxy, origin.hostname, port) ? null : proxy;
}

/** The trust store for provider TLS: Node's default roots plus UPSTREAM_CA_FILE's certificates, or Node's default. */
export function upstreamCa(network: UpstreamNetwork): string[] | undefined {
  return network.caPem === null ? undefined : [...rootCertificates, network.caPem];
}
