import * as grpc from "@grpc/grpc-js";

/** Where and how a watcher dials the control plane. */
export interface DialTarget {
  /** `host:port` as grpc-js expects it. */
  readonly address: string;
  readonly credentials: grpc.ChannelCredentials;
}

/**
 * Reads the control plane URL: `host:port` or `http://host:port` (plaintext). `https://` is refused for now
 * with a clear message rather than silently downgraded; the TLS issue adds it here together with the server's
 * certificates (server/server-credentials.ts).
 */
export function parseTarget(url: string): DialTarget {
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([^/\s]+?)\/?$/i.exec(url.trim());
  const scheme = m?.[1]?.toLowerCase();
  const address = m?.[2];
  if (!m || !address || !/:\d+$/.test(address)) {
    throw new Error(`control plane URL must look like host:port or http://host:port, got "${url}"`);
  }
  if (scheme === "https") throw new Error("TLS to the control plane is not supported yet; use http://host:port");
  if (scheme !== undefined && scheme !== "http") throw new Error(`unsupported control plane URL scheme "${scheme}"`);
  return { address, credentials: grpc.credentials.createInsecure() };
}
