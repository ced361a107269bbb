import { readFileSync } from "node:fs";
import { createSecureContext, type PeerCertificate } from "node:tls";
import * as grpc from "@grpc/grpc-js";

/** TLS of the config server, as file paths (Kubernetes Secrets and cert-manager write files). */
export interface ServerTlsOptions {
  certFile: string;
  keyFile: string;
  /** CA that signs data-plane client certificates; set, every node must present one (mutual TLS). */
  clientCaFile?: string;
  /** How often the files are re-read, so a renewed certificate is served without a restart. */
  reloadIntervalMs?: number;
}

/** Reads a file the server needs, failing start-up with a message that names it. */
function readOrThrow(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read the ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? "unknown error"}`);
  }
}

/**
 * Transport credentials of the config server. With TLS options the certificate, key and client CA are served
 * from grpc-js's file watcher, which re-reads them every `reloadIntervalMs` and uses the new ones for new
 * connections. The files are checked once up front, so a wrong path or a key that does not match its
 * certificate stops start-up instead of failing every handshake later. Without options: plaintext, which
 * callers allow only when explicitly configured (the local mode).
 */
export function serverCredentials(tls?: ServerTlsOptions): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  const cert = readOrThrow(tls.certFile, "server certificate");
  const key = readOrThrow(tls.keyFile, "server key");
  const ca = tls.clientCaFile ? readOrThrow(tls.clientCaFile, "client CA") : undefined;
  try {
    createSecureContext({ cert, key, ...(ca ? { ca } : {}) });
  } catch (e) {
    throw new Error(`the config server's TLS files are not usable: ${(e as Error).message}`);
  }
  const refreshIntervalMs = tls.reloadIntervalMs ?? 60_000;
  const identity = new grpc.experimental.FileWatcherCertificateProvider({
    certificateFile: tls.certFile,
    privateKeyFile: tls.keyFile,
    refreshIntervalMs,
  });
  const clientCa = tls.clientCaFile
    ? new grpc.experimental.FileWatcherCertificateProvider({ caCertificateFile: tls.clientCaFile, refreshIntervalMs })
    : null;
  // grpc-js's declaration names these parameters the other way round; at run time the first one is the
  // server's own identity and the second the CA that checks clients (see CertificateProviderServerCredentials).
  return grpc.experimental.createCertificateProviderServerCredentials(identity, clientCa, clientCa !== null);
}

/**
 * The node identity a verified client certificate carries: its subject CN, else its first DNS or URI subject
 * alternative name. Null without a client certificate.
 */
export function certificateIdentity(call: {
  getAuthContext?(): { sslPeerCertificate?: PeerCertificate } | null;
}): string | null {
  const cert = call.getAuthContext?.()?.sslPeerCertificate;
  if (!cert || Object.keys(cert).length === 0) return null;
  const cn = cert.subject?.CN;
  if (typeof cn === "string" && cn) return cn;
  const san = /(?:DNS|URI):([^,\s]+)/.exec(cert.subjectaltname ?? "")?.[1];
  return san ?? null;
}
