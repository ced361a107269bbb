import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ClientResponse, HttpProviderAdapter, PreparedCall, ResponseTransformer } from "@switchyard/providers";
import { Registry } from "prom-client";
import { Pool, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUpstreamMetrics } from "../metrics/upstream-metrics.ts";
import { captureLogger } from "../testing/capture-logger.ts";
import { type ForwardResult, forwardHttp } from "./forward-http.ts";

/**
 * Buffers lines and emits complete ones upper-cased, as a translating adapter buffers partial events; at the
 * end it writes what is left and a marker, as an adapter writes its error event for a stream cut short.
 */
function lineUpper(failOn?: string): ResponseTransformer {
  let pending = "";
  return {
    onChunk(bytes) {
      pending += Buffer.from(bytes).toString();
      if (failOn !== undefined && pending.includes(failOn)) throw new Error("cannot translate");
      const cut = pending.lastIndexOf("\n");
      if (cut < 0) return null;
      const out = pending.slice(0, cut + 1).toUpperCase();
      pending = pending.slice(cut + 1);
      return Buffer.from(out);
    },
    onEnd: () => Buffer.from(`${pending.toUpperCase()}!`),
  };
}

function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

/** How the gateway under test answers, chosen per request by its path. */
function answerFor(path: string, failOn: string | undefined): (status: number) => ClientResponse {
  if (path.startsWith("/buffer"))
    return (status) => ({
      mode: "buffer",
      finish: (b) => ({
        status: status === 200 ? 200 : 503,
        headers: { "content-type": "text/plain", "retry-after": "3" },
        body: Buffer.from(`[${Buffer.from(b).toString()}]`),
      }),
    });
  const transformer = path.startsWith("/pass") ? null : lineUpper(failOn);
  return (status) => ({ mode: "pipe", status, headers: { "content-type": "text/x-test" }, transformer });
}

/** The upstream writes its pieces one per event-loop turn; `broken` resets the connection after two. */
const PIECES = ["ab", "c\nde", "f\n", "tail"];
let upstream: { server: Server; url: string };
let gateway: { server: Server; url: string };
let pool: Pool;
const results: ForwardResult[] = [];
const upstreamClosed: string[] = [];
const registry = new Registry();
const metrics = createUpstreamMetrics(registry);
const log = captureLogger();

beforeAll(async () => {
  upstream = await listen((req, res) => {
    req.resume();
    res.on("close", () => upstreamClosed.push(req.url ?? ""));
    const status = req.url?.includes("denied") ? 401 : 200;
    res.writeHead(status, { "content-type": "text/plain", "x-request-id": "up-1", "set-cookie": "no" });
    let i = 0;
    const next = () => {
      if (req.url?.includes("broken") && i === 2) return void res.socket?.destroy();
      if (i === PIECES.length) return void res.end();
      res.write(PIECES[i++]);
      setImmediate(next);
    };
    next();
  });
  pool = new Pool(upstream.url);
  gateway = await listen((req, res) => {
    const answer = answerFor(req.url ?? "/", req.headers["x-fail-on"] as string | undefined);
    const prepared: PreparedCall = {
      request: { path: req.url ?? "/", headers: {}, body: "{}" },
      respond: (head) => answer(head.status),
      usage: () => null,
    };
    void forwardHttp({
      outgoing: res,
      upstream: {
        transport: "http",
        adapter: {} as HttpProviderAdapter,
        origin: upstream.url,
        pool,
        firstByteTimeoutMs: 1_000,
      },
      providerKind: "test",
      prepared,
      ownHeaders: { "x-request-id": "gw-1" },
      maxBufferedBytes: req.url === "/buffer-small" ? 4 : 1024,
      metrics,
      log: log.logger,
      logFields: { requestId: "gw-1" },
    }).then((r) => {
      results.push(r);
      if (r.kind === "failed") res.writeHead(502).end(r.message);
    });
  });
});

afterAll(async () => {
  await pool.close();
  for (const s of [gateway.server, upstream.server]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

describe("forwardHttp", () => {
  it("pipes every chunk through the adapter's transformer, flushes its tail, and sends only chosen headers", async () => {
    const res = await request(`${gateway.url}/translate`);
    expect(await res.body.text()).toBe("ABC\nDEF\nTAIL!");
    expect(res.headers["content-type"]).toBe("text/x-test");
    expect(res.headers["x-request-id"]).toBe("gw-1");
    expect(res.headers["x-upstream-request-id"]).toBe("up-1");
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(results.at(-1)).toMatchObject({ kind: "sent", status: 200 });
  });

  it("passes bytes through unchanged when the adapter pipes without a transformer", async () => {
    const res = await request(`${gateway.url}/pass`);
    expect(await res.body.text()).toBe(PIECES.join(""));
  });

  it("ends a broken stream with the transformer's closing event, and cuts an untranslated or failed one", async () => {
    const ended = await request(`${gateway.url}/translate-broken`);
    expect(ended.statusCode).toBe(200);
    expect(await ended.body.text()).toBe("ABC\nDE!");
    for (const [path, headers] of [
      ["/translate", { "x-fail-on": "f" }],
      ["/pass-broken", {}],
    ] as const) {
      const res = await request(`${gateway.url}${path}`, { headers });
      expect(res.statusCode).toBe(200);
      await expect(res.body.text()).rejects.toThrow();
      expect(results.at(-1)).toMatchObject({ kind: "sent", status: 200 });
    }
    expect(log.text()).toContain("upstream response broke off midway");
    expect(await registry.metrics()).toMatch(/upstream_requests_total\{provider_kind="test",status_class="error"\} 3/);
  });

  it("collects a buffered answer and writes what the adapter made of it, with its headers", async () => {
    const res = await request(`${gateway.url}/buffer`);
    expect(await res.body.text()).toBe(`[${PIECES.join("")}]`);
    expect(res.headers["retry-after"]).toBe("3");
    expect(res.headers["content-length"]).toBe(String(PIECES.join("").length + 2));
    expect(res.headers["x-request-id"]).toBe("gw-1");
  });

  it("fails a buffered answer that breaks off or outgrows the cap, before anything was sent", async () => {
    for (const [path, message] of [
      ["/buffer-broken", /broke off/],
      ["/buffer-small", /too large/],
    ] as const) {
      const res = await request(`${gateway.url}${path}`);
      expect(res.statusCode).toBe(502);
      expect(await res.body.text()).toMatch(message);
      expect(results.at(-1)).toMatchObject({ kind: "failed", code: "upstream_error" });
    }
  });

  it("answers an upstream 401 as the gateway's own credential problem, without reading its body", async () => {
    const res = await request(`${gateway.url}/buffer-denied`);
    expect(res.statusCode).toBe(502);
    expect(await res.body.text()).toMatch(/rejected the gateway's credentials/);
    expect(log.text()).toContain("upstream provider rejected the gateway's credentials");
    expect(log.text()).not.toContain("up-1");
  });
});
