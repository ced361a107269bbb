import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { type FakeScript, TEXT_SCRIPT } from "./fake-script.ts";

/** A complete HTTP answer of a fake. */
export interface WireResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** One parsed request, as a wire format sees it. */
export interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** What a provider's wire format contributes to the generic fake server. */
export interface WireFormat {
  /** `null` when the request is authorised, otherwise the provider's own rejection. */
  checkAuth(req: WireRequest): WireResponse | null;
  /** Which operation the request is, or a ready answer (404, 400 for a missing version, a models list). */
  route(req: WireRequest): { op: "chat" | "embeddings"; stream: boolean; model: string } | WireResponse;
  /** The provider's error response for a status (with its real body and retry headers). */
  error(status: number, retryAfterSeconds: number): WireResponse;
  completion(script: FakeScript, model: string, req: WireRequest): WireResponse;
  /** The streamed body, already framed (SSE events or NDJSON lines), and its content type. */
  stream(
    script: FakeScript,
    model: string,
    req: WireRequest,
  ): { contentType: string; headers: Record<string, string>; frames: string[] };
  /** The frame a provider sends when it fails mid-stream. */
  streamError(): string;
  embeddings(req: WireRequest, model: string): WireResponse;
}

/** How the fake behaves; change it between requests with `setBehavior`. */
export interface FakeUpstreamBehavior {
  script: FakeScript;
  /** Answer the next `count` requests with this status, in the provider's error format. */
  fail: { status: number; count: number; retryAfterSeconds: number } | null;
  /** Send the provider's mid-stream error after this many frames. */
  streamErrorAfter: number | null;
  /** Cut the connection after this many frames. */
  truncateAfter: number | null;
  /** Write the stream's bytes in random pieces cut by this seed (not at frame boundaries). */
  splitSeed: number | null;
  /** Wait this long between frames, so a client can leave mid-stream (ignores `splitSeed`). */
  frameDelayMs: number | null;
}

/** One request as the fake received it. */
export interface FakeRecord {
  readonly method: string;
  /** The path with its query string, exactly as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  /** `aborted` when the connection closed before the answer was complete. */
  outcome: "pending" | "completed" | "aborted";
  /** `performance.now()` when the answer completed or the connection closed. */
  endedAt: number | null;
}

/** A running fake upstream. */
export interface FakeUpstream {
  /** `http://127.0.0.1:<port>` (`https://` with TLS) with no path. */
  readonly origin: string;
  readonly port: number;
  readonly requests: FakeRecord[];
  setBehavior(b: Partial<FakeUpstreamBehavior>): void;
  /** Connections open to the fake right now. */
  connections(): Promise<number>;
  close(): Promise<void>;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 0x1_0000_0000;
  };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return null;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return null;
  }
}

function send(res: ServerResponse, r: WireResponse): void {
  res.writeHead(r.status, { ...r.headers, "content-length": String(Buffer.byteLength(r.body)) });
  res.end(r.body);
}

/** Writes frames one at a time with a pause between them, stopping when the client has gone. */
async function writeSlowly(res: ServerResponse, frames: string[], delayMs: number): Promise<void> {
  for (const f of frames) {
    if (res.destroyed) return;
    res.write(f);
    await new Promise((r) => setTimeout(r, delayMs));
  }
  if (!res.destroyed) res.end();
}

/** Writes frames, optionally re-cut at random byte positions, and optionally broken off or failed midway. */
function writeStream(res: ServerResponse, frames: string[], b: FakeUpstreamBehavior, wire: WireFormat): void {
  let out = frames;
  if (b.streamErrorAfter !== null) out = [...frames.slice(0, b.streamErrorAfter), wire.streamError()];
  const truncate = b.truncateAfter !== null;
  if (truncate) out = out.slice(0, b.truncateAfter ?? 0);
  if (b.frameDelayMs !== null && !truncate) {
    void writeSlowly(res, out, b.frameDelayMs);
    return;
  }
  const bytes = Buffer.from(out.join(""), "utf8");
  if (b.splitSeed === null) {
    for (const f of out) res.write(f);
  } else {
    const r = rng(b.splitSeed);
    let at = 0;
    while (at < bytes.length) {
      const n = 1 + Math.floor(r() * 40);
      res.write(bytes.subarray(at, at + n));
      at += n;
    }
  }
  // Cut only after the written bytes have left, so the client sees a started answer that breaks off.
  if (truncate) res.write("", () => setImmediate(() => res.destroy()));
  else res.end();
}

/** Starts a fake provider on a free loopback port, speaking `wire`'s format; over HTTPS with `tls` (PEM files). */
export async function startFakeUpstream(
  wire: WireFormat,
  tls?: { readonly cert: string; readonly key: string },
): Promise<FakeUpstream> {
  let behavior: FakeUpstreamBehavior = {
    script: TEXT_SCRIPT,
    fail: null,
    streamErrorAfter: null,
    truncateAfter: null,
    splitSeed: null,
    frameDelayMs: null,
  };
  const requests: FakeRecord[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://fake");
      const body = await readBody(req);
      const record: FakeRecord = {
        method: req.method ?? "",
        url: req.url ?? "/",
        headers: req.headers,
        body,
        outcome: "pending",
        endedAt: null,
      };
      requests.push(record);
      res.on("close", () => {
        record.outcome = res.writableFinished ? "completed" : "aborted";
        record.endedAt = performance.now();
      });
      const wr: WireRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      const denied = wire.checkAuth(wr);
      if (denied) return send(res, denied);
      const route = wire.route(wr);
      if ("status" in route) return send(res, route);
      const b = behavior;
      if (b.fail && b.fail.count > 0) {
        behavior = { ...behavior, fail: { ...b.fail, count: b.fail.count - 1 } };
        return send(res, wire.error(b.fail.status, b.fail.retryAfterSeconds));
      }
      if (route.op === "embeddings") return send(res, wire.embeddings(wr, route.model));
      if (!route.stream) return send(res, wire.completion(b.script, route.model, wr));
      const s = wire.stream(b.script, route.model, wr);
      res.writeHead(200, { ...s.headers, "content-type": s.contentType });
      writeStream(res, s.frames, b, wire);
    })().catch(() => res.destroy());
  };
  const server = tls
    ? createTlsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, handler)
    : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    setBehavior(b) {
      behavior = { ...behavior, ...b };
    },
    connections: () => new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n)))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
