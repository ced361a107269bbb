import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mockWire } from "./lib/wire.ts";

/**
 * The benchmark's upstream: a plain node:http server answering `POST …/chat/completions` in OpenAI's format,
 * as JSON or as a 16-event SSE stream, from bodies built once. It reads the request body only to find
 * `"stream":true`, so it costs far less per request than any proxy in front of it. Run as its own process
 * (`node bench/mock-upstream.ts <port>`), it prints `listening <port>` once it accepts connections.
 */

const wire = mockWire();
const STREAM_MARK = Buffer.from('"stream":true');
const JSON_HEADERS = {
  "content-type": "application/json",
  "content-length": String(wire.completion.length),
  "x-request-id": "req_bench",
  "openai-processing-ms": "1",
};
const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "x-request-id": "req_bench" };

/**
 * Writes the SSE events one per turn of the event loop, so they leave as separate writes, as a real
 * provider's tokens do, rather than as one coalesced buffer a proxy would see only once.
 */
function writeStream(res: ServerResponse): void {
  res.writeHead(200, SSE_HEADERS);
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    const event = wire.events[i++]!;
    if (i === wire.events.length) res.end(event);
    else {
      res.write(event);
      setImmediate(next);
    }
  };
  next();
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    if (body.includes(STREAM_MARK)) writeStream(res);
    else res.writeHead(200, JSON_HEADERS).end(wire.completion);
  });
}

const port = Number(process.argv[2] ?? 0);
const server = createServer({ keepAliveTimeout: 120_000, requestTimeout: 0 }, handle);
server.listen(port, "127.0.0.1", () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === "object" && addr ? addr.port : port}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
