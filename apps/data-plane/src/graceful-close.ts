import type { Server } from "node:http";

/** How often idle keep-alive connections are closed while draining; a connection becomes idle after each response. */
const IDLE_SWEEP_MS = 100;

/**
 * Stops a server from accepting connections and waits for in-flight requests, up to `graceMs`; then cuts
 * whatever is still open. Keep-alive connections are closed as soon as they go idle, so clients reconnect to
 * another node instead of sending new requests here. Resolves true if everything finished within the grace.
 */
export function gracefulClose(server: Server, graceMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let inTime = true;
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    const deadline = setTimeout(() => {
      inTime = false;
      server.closeAllConnections();
    }, graceMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve(inTime);
    });
    server.closeIdleConnections();
  });
}
