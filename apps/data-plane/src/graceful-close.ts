import type { Server, ServerResponse } from "node:http";

/** How often idle keep-alive connections are closed while draining; a connection becomes idle after each response. */
const IDLE_SWEEP_MS = 100;

/** Drains one HTTP server on shutdown. */
export interface Drainer {
  /**
   * Stops accepting connections and waits for in-flight requests, up to `graceMs`, then cuts whatever is
   * still open. Resolves true if everything finished within the grace.
   */
  drain(graceMs: number): Promise<boolean>;
}

/**
 * Tracks a server's in-flight responses from start-up, so that on shutdown every connection is closed right
 * after its current response: responses not yet started carry `Connection: close`, streams already under
 * way have their socket ended once they finish, and requests that still arrive on a kept-alive connection
 * are served with `Connection: close`. Clients that reuse connections back to back (SDKs, ingress
 * controllers) therefore move to another node instead of keeping a draining one busy until its deadline.
 */
export function createDrainer(server: Server): Drainer {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  const settle = (res: ServerResponse) => {
    if (!inFlight.delete(res)) return;
    if (draining) res.socket?.end();
  };
  server.on("request", (_req, res: ServerResponse) => {
    if (draining && !res.headersSent) res.setHeader("connection", "close");
    inFlight.add(res);
    res.once("finish", () => settle(res));
    res.once("close", () => settle(res));
  });
  return {
    drain(graceMs) {
      draining = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader("connection", "close");
      return gracefulClose(server, graceMs);
    },
  };
}

/**
 * Stops a server from accepting connections and waits for in-flight requests, up to `graceMs`; then cuts
 * whatever is still open. Idle keep-alive connections are closed as they appear. Without a {@link Drainer}
 * installed at start, a busy kept-alive connection can take another request before it goes idle.
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
