import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpProviderAdapter, ResponseTransformer } from "@switchyard/providers";
import { Registry } from "prom-client";
import { Pool, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUpstreamMetrics } from "../metrics/upstream-metrics.ts";
import { captureLogger } from "../testing/capture-logger.ts";
import { type ForwardResult, forwardHttp } from "./forward-http.ts";

/** Buffers lines and emits complete ones upper-cased, as a translating adapter buffers partial events. */
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
    onEnd: () => (pending === "" ? null : Buffer.from(`${pending.toUpperCase()}!`)),
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

/** The upstream writes its pieces one per event-loop turn; `/broken` resets the connection after two. */
const PIECES = ["ab", "c\nde", "f\n", "tail"];
let upstream: { server: Server; url: string };
let gateway: { server: Server; url: string };
let pool: Pool;
const results: ForwardResult[] = [];
const registry = new Registry();
const metrics = createUpstreamMetrics(registry);
const log = captureLogger();

beforeAll(async () => {
  upstream = await listen((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "text/plain", "x-request-id": "up-1", "set-cookie": "no" });
    let i = 0;
    const next = () => {
      if (req.url === "/broken" && i === 2) return void res.socket?.destroy();
      if (i === PIECES.length) return void res.end();
      res.write(PIECES[i++]);
      setImmediate(next);
    };
    next();
  });
  pool = new Pool(upstream.url);
  gateway = await listen((req, res) => {
    const failOn = req.headers["x-fail-on"] as string | undefined;
    const adapter = { passthrough: req.url === "/pass", responseTransformer: () => lineUpper(failOn) };
    void forwardHttp({
      outgoing: res,
      upstream: {
        transport: "http",
        adapter: adapter as unknown as HttpProviderAdapter,
        origin: upstream.url,
        pool,
        firstByteTimeoutMs: 1_000,
      },
      providerKind: "test",
      request: { path: req.url === "/broken" ? "/broken" : "/", headers: {}, body: "{}" },
      stream: true,
      ownHeaders: { "x-request-id": "gw-1" },
      metrics,
      log: log.logger,
      logFields: { requestId: "gw-1" },
    }).then((r) => results.push(r));
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
  it("runs every chunk through a translating adapter's transformer and flushes its tail", async () => {
    const res = await request(`${gateway.url}/translate`);
    expect(await res.body.text()).toBe("ABC\nDEF\nTAIL!");
    expect(res.headers["x-request-id"]).toBe("gw-1");
    expect(res.headers["x-upstream-request-id"]).toBe("up-1");
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(results.at(-1)).toEqual({ kind: "sent", status: 200 });
  });

  it("passes bytes through unchanged when the adapter says so", async () => {
    const res = await request(`${gateway.url}/pass`);
    expect(await res.body.text()).toBe(PIECES.join(""));
  });

  it("cuts the client off when the transformer fails midway, and when the upstream breaks off", async () => {
    for (const [path, headers] of [
      ["/translate", { "x-fail-on": "f" }],
      ["/broken", {}],
    ] as const) {
      const res = await request(`${gateway.url}${path}`, { headers });
      expect(res.statusCode).toBe(200);
      await expect(res.body.text()).rejects.toThrow();
      expect(results.at(-1)).toEqual({ kind: "sent", status: 200 });
    }
    expect(log.text()).toContain("upstream response broke off midway");
    expect(await registry.metrics()).toMatch(/upstream_requests_total\{provider_kind="test",status_class="error"\} 2/);
  });
});
