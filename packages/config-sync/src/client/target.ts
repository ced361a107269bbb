import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";

/** TLS settings of a data plane's connection to the control plane, as file paths. */
export interface ClientTlsOptions {
  /** CA that signed the control plane's certificate; absent: the system's trusted roots. */
  caFile?: string;
  /** This node's certificate and key, for mutual TLS. */
  certFile?: string;
  keyFile?: string;
  /** Name to check the server certificate against when it differs from the dialled host. */
  serverName?: string;
}

/** Where and how a watcher dials the control plane. */
export interface DialTarget {
  /** `host:port` as grpc-js expects it. */
  readonly address: string;
  readonly tls: boolean;
  /** Credentials for one attempt; TLS files are read each time, so renewed certificates are used on reconnect. */
  credentials(): grpc.ChannelCredentials;
  /** Channel options the credentials need (the TLS server name override). */
  readonly channelOptions: Partial<grpc.ChannelOptions>;
}

/**
 * Reads the control plane URL: `https://host:port` (TLS), or `host:port` / `http://host:port` (plaintext,
 * which callers allow only when explicitly configured).
 */
export function parseTarget(url: string, tls: ClientTlsOptions = {}): DialTarget {
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([^/\s]+?)\/?$/i.exec(url.trim());
  const scheme = m?.[1]?.toLowerCase();
  const address = m?.[2];
  if (!m || !address || !/:\d+$/.test(address)) {
    throw new Error(`control plane URL must look like host:port, http://host:port or https://host:port, got "${url}"`);
  }
  if (scheme !== undefined && scheme !== "http" && scheme !== "https") {
    throw new Error(`unsupported control plane URL scheme "${scheme}"`);
  }
  if (scheme !== "https") {
    return { address, tls: false, credentials: () => grpc.credentials.createInsecure(), channelOptions: {} };
  }
  if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) {
    throw new Error("a client certificate needs both its certificate and its key file");
  }
  const read = (path: string | undefined) => (path ? readFileSync(path) : null);
  return {
    address,
    tls: true,
    credentials: () => grpc.credentials.createSsl(read(tls.caFile), read(tls.keyFile), read(tls.certFile)),
    channelOptions: tls.serverName ? { "grpc.ssl_target_name_override": tls.serverName } : {},
  };
}
