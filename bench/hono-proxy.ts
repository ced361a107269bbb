import type { IncomingHttpHeaders } from "node:http";
import { type HttpBindings, serve } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Hono } from "hono";
import { Pool } from "undici";

/**
 * Baseline (2h): exactly the minimal proxy of `minimal-proxy.ts`, served through Hono and @hono/node-server
 * instead of a bare node:http handler. The difference between the two is what the framework itself costs
 * per request, which the issue asks to measure rather than guess.
 *
 * Usage: `node bench/hono-proxy.ts <port> <upstream origin> <api key>`; prints `listening <port>`.
 */

const [portArg, upstream, apiKey] = process.argv.slice(2);
if (!upstream || !apiKey) {
  process.stderr.write("usage: hono-proxy.ts <port> <upstream origin> <api key>\n");
  process.exit(2);
}
const expected = `Bearer ${apiKey}`;
const pool = new Pool(upstream, { keepAliveTimeout: 60_000 });
const DROP = new Set(["connection", "keep-alive", "transfer-encoding", "host", "authorization", "upgrade"]);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const v = headers[name];
    if (v !== undefined && !DROP.has(name)) out[name] = v;
  }
  return out;
}

const app = new Hono<{ Bindings: HttpBindings }>();
app.post("/v1/chat/completions", async (c) => {
  const { incoming, outgoing } = c.env;
  if (incoming.headers.authorization !== expected) return c.json({ error: { message: "bad key" } }, 401);
  try {
    await pool.stream(
      { path: incoming.url ?? "/", method: "POST", headers: forwardable(incoming.headers), body: incoming },
      ({ statusCode, headers }) => {
        outgoing.writeHead(statusCode, forwardable(headers));
        return outgoing;
      },
    );
  } catch {
    if (!outgoing.headersSent) return c.body(null, 502);
    outgoing.destroy();
  }
  return RESPONSE_ALREADY_SENT;
});

const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: Number(portArg ?? 0) }, (info) =>
  process.stdout.write(`listening ${info.port}\n`),
);
process.on("SIGTERM", () => {
  server.close(() => void pool.close().then(() => process.exit(0)));
});
