import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { Pool } from "undici";

/**
 * Baseline (2): the least a Node.js proxy hop can do. node:http in front, an undici keep-alive Pool behind,
 * the request body streamed upstream and the response streamed back with `pool.stream` straight into the
 * ServerResponse; the only inspection is comparing the bearer key. No routing, no limits, no logging.
 *
 * Usage: `node bench/minimal-proxy.ts <port> <upstream origin> <api key>`; prints `listening <port>`.
 */

const [portArg, upstream, apiKey] = process.argv.slice(2);
if (!upstream || !apiKey) {
  process.stderr.write("usage: minimal-proxy.ts <port> <upstream origin> <api key>\n");
  process.exit(2);
}
const expected = `Bearer ${apiKey}`;
const pool = new Pool(upstream, { keepAliveTimeout: 60_000 });

/** Hop-by-hop headers a proxy must not forward (RFC 9110 §7.6.1), plus the client's own credentials. */
const DROP = new Set(["connection", "keep-alive", "transfer-encoding", "host", "authorization", "upgrade"]);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const v = headers[name];
    if (v !== undefined && !DROP.has(name)) out[name] = v;
  }
  return out;
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.headers.authorization !== expected) {
    res.writeHead(401, { "content-type": "application/json" }).end('{"error":{"message":"bad key"}}');
    return;
  }
  pool
    .stream(
      { path: req.url ?? "/", method: req.method as "POST", headers: forwardable(req.headers), body: req },
      ({ statusCode, headers }) => {
        res.writeHead(statusCode, forwardable(headers));
        return res;
      },
    )
    .catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
}

const server = createServer({ keepAliveTimeout: 120_000, requestTimeout: 0 }, handle);
server.listen(Number(portArg ?? 0), "127.0.0.1", () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === "object" && addr ? addr.port : portArg}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => void pool.close().then(() => process.exit(0)));
});
