import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { isInternalAddress } from "@switchyard/policy";
import { createMemoryLimiter } from "@switchyard/ratelimit";
import OpenAI from "openai";
import { Registry } from "prom-client";
import { buildConnector } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDataPlaneApp } from "../app.ts";
import { createPoolSet } from "../runtime/pool-set.ts";
import { createRuntimeHolder, type RuntimeHolder } from "../runtime/runtime-holder.ts";
import { captureLogger } from "../testing/capture-logger.ts";
import { serveApp } from "../testing/serve-app.ts";
import { apiKey, consumer, openAIProvider, route, snapshot } from "../testing/snapshot-fixture.ts";
import type { ResolvedAddress } from "./upstream-connector.ts";
import { DIRECT_NETWORK } from "./upstream-network.ts";

/**
 * The connect-time internal-address guard, through a real data plane app and the openai SDK. Name resolution
 * is injected, and so is the final dialler: it dials only loopback, and only where a test allows it. A public
 * test address (203.0.113.7, TEST-NET-3) is translated to the loopback fake, like a NAT, so "a public upstream"
 * can be served without ever dialling a non-loopback address; any other address the guard lets through is a
 * violation that fails the test.
 */

/** Public test address -> where the loopback fake really listens. */
const PUBLIC = "203.0.113.7";
/** A public test address (IPv6 documentation range) the dialler answers with ECONNREFUSED. */
const UNREACHABLE = "2001:db8::7";

interface Upstream {
  readonly port: number;
  readonly hits: { url: string; headers: IncomingHttpHeaders }[];
  /** Answer the next request with a redirect to this URL. */
  redirectTo: string | null;
  close(): Promise<void>;
}

const completion = JSON.stringify({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-up",
  choices: [{ index: 0, message: { role: "assistant", content: "hello" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

/** A minimal OpenAI-shaped upstream that closes every connection, so each request dials anew. */
async function startUpstream(): Promise<Upstream> {
  const up: Upstream = {
    port: 0,
    hits: [],
    redirectTo: null,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      up.hits.push({ url: req.url ?? "", headers: req.headers });
      if (up.redirectTo !== null) {
        const location = up.redirectTo;
        up.redirectTo = null;
        res.writeHead(302, { location, "content-length": "0", connection: "close" }).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json", connection: "close" }).end(completion);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  (up as { port: number }).port = (server.address() as AddressInfo).port;
  up.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return up;
}

let upstream: Upstream;
let elsewhere: Upstream;
let holder: RuntimeHolder;
let gateway: { url: string; close: () => Promise<void> };
let client: OpenAI;
let log: ReturnType<typeof captureLogger>;
/** Every address the dialler was asked for, and those it refused as violations. */
const dialled: string[] = [];
const violations: string[] = [];
/** Names resolved, in order. */
const resolved: string[] = [];
let rebindCalls = 0;

const DNS: Record<string, () => ResolvedAddress[]> = {
  "evil.test": () => [{ address: "10.0.0.5", family: 4 }],
  "metadata.test": () => [{ address: "169.254.169.254", family: 4 }],
  "loop6.test": () => [{ address: "::1", family: 6 }],
  "mapped.test": () => [{ address: "::ffff:127.0.0.1", family: 6 }],
  "cgnat.test": () => [{ address: "100.64.1.1", family: 4 }],
  "mixed.test": () => [
    { address: PUBLIC, family: 4 },
    { address: "192.168.1.20", family: 4 },
  ],
  "public.test": () => [{ address: PUBLIC, family: 4 }],
  // The first address refuses connections (an IPv6 address without a route, say); the second works.
  "multi.test": () => [
    { address: UNREACHABLE, family: 6 },
    { address: PUBLIC, family: 4 },
  ],
  "inside.test": () => [{ address: "127.0.0.1", family: 4 }],
  // Public for the first connection, internal afterwards: DNS rebinding.
  "rebind.test": () => [{ address: rebindCalls++ === 0 ? PUBLIC : "10.9.9.9", family: 4 }],
};

/** Providers, each at a name (or literal) on the fake's port, all without allowInternal except "inside". */
const TARGETS = {
  evil: "evil.test",
  metadata: "metadata.test",
  loop6: "loop6.test",
  mapped: "mapped.test",
  cgnat: "cgnat.test",
  mixed: "mixed.test",
  literal: "169.254.169.254",
  localhost: "localhost",
  public: "public.test",
  multi: "multi.test",
  rebind: "rebind.test",
} as const;

beforeAll(async () => {
  upstream = await startUpstream();
  elsewhere = await startUpstream();
  const allowedLoopbackPorts = new Set([upstream.port]);
  const pools = createPoolSet({
    resolve: async (host) => {
      resolved.push(host);
      const answer = DNS[host];
      if (!answer) throw Object.assign(new Error(`test resolver: ${host} unknown`), { code: "ENOTFOUND" });
      return answer();
    },
    dialer: (options) => {
      const real = buildConnector(options);
      return (opts, callback) => {
        dialled.push(opts.hostname);
        if (opts.hostname === PUBLIC) return real({ ...opts, hostname: "127.0.0.1" }, callback);
        if (opts.hostname === UNREACHABLE) {
          return callback(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), null);
        }
        if (opts.hostname === "127.0.0.1" && allowedLoopbackPorts.has(Number(opts.port))) return real(opts, callback);
        violations.push(`${opts.hostname}:${opts.port}`);
        callback(new Error(`test dialler: ${opts.hostname} must never be dialled`), null);
      };
    },
  });
  holder = createRuntimeHolder({ pools });
  const providers = Object.entries(TARGETS).map(([id, host]) =>
    openAIProvider(`http://${host}:${upstream.port}/v1`, { id, name: id, allowInternal: false }),
  );
  providers.push(openAIProvider(`http://inside.test:${upstream.port}/v1`, { id: "inside", name: "inside" }));
  const applied = holder.apply(
    snapshot({
      providers,
      routes: providers.map((p) => route(p.id, p.id, "gpt-up")),
      consumers: [consumer("c1")],
      apiKeys: [apiKey("sk-client", "c1")],
    }),
  );
  if (!applied.ok) throw new Error(applied.error.message);
  log = captureLogger();
  const app = createDataPlaneApp({
    runtime: holder,
    limiter: createMemoryLimiter(),
    logger: log.logger,
    registry: new Registry(),
  });
  gateway = await serveApp(app);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "sk-client", maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await holder?.close();
  await upstream?.close();
  await elsewhere?.close();
});

afterEach(() => {
  const seen = violations.splice(0);
  expect(seen).toEqual([]);
});

const messages = [{ role: "user" as const, content: "hi" }];
const call = (model: string) => client.chat.completions.create({ model, messages }).catch((e: unknown) => e);

describe("connect-time internal-address guard", () => {
  it("refuses names resolving to private, link-local (metadata), loopback, mapped and CGNAT addresses, and literals", async () => {
    for (const model of ["evil", "metadata", "loop6", "mapped", "cgnat", "mixed", "literal", "localhost"]) {
      const hitsBefore = upstream.hits.length;
      const e = (await call(model)) as InstanceType<typeof OpenAI.APIError>;
      expect(e, model).toBeInstanceOf(OpenAI.InternalServerError);
      expect(e.status, model).toBe(502);
      expect(e.code, model).toBe("upstream_error");
      expect(e.message, model).toMatch(/not allowed to reach internal addresses/);
      expect(upstream.hits.length, model).toBe(hitsBefore);
    }
    // Nothing internal was dialled (the dialler would have failed the test), and literals were never resolved.
    expect(dialled.filter((a) => isInternalAddress(a))).toEqual([]);
    expect(resolved).not.toContain("169.254.169.254");
    expect(resolved).not.toContain("localhost");
    const text = log.text();
    expect(text).toContain("refused to connect upstream: internal address");
    expect(text).toContain("evil.test resolves to 10.0.0.5");
    expect(text).toContain("metadata.test resolves to 169.254.169.254");
    expect(text).not.toContain("sk-upstream");
  });

  it("connects to exactly the checked public address, keeping the host name in the request", async () => {
    const before = dialled.length;
    const c = await client.chat.completions.create({ model: "public", messages });
    expect(c.choices[0]?.message.content).toBe("hello");
    expect(dialled.slice(before)).toEqual([PUBLIC]);
    expect(upstream.hits.at(-1)?.headers.host).toBe(`public.test:${upstream.port}`);
    expect(upstream.hits.at(-1)?.headers.authorization).toBe("Bearer sk-upstream");
  });

  it("tries a name's checked addresses in order until one connects", async () => {
    const before = dialled.length;
    const c = await client.chat.completions.create({ model: "multi", messages });
    expect(c.choices[0]?.message.content).toBe("hello");
    expect(dialled.slice(before)).toEqual([UNREACHABLE, PUBLIC]);
  });

  it("checks every new connection, so a name rebound to an internal address after the first check is refused", async () => {
    const first = await client.chat.completions.create({ model: "rebind", messages });
    expect(first.choices[0]?.message.content).toBe("hello");
    // The upstream closed that connection; the next request dials again and resolves again.
    const e = (await call("rebind")) as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(502);
    expect(e.message).toMatch(/internal addresses/);
    expect(resolved.filter((h) => h === "rebind.test")).toHaveLength(2);
    expect(dialled.filter((a) => a === "10.9.9.9")).toEqual([]);
  });

  it("lets a provider marked allowInternal reach a loopback upstream", async () => {
    const c = await client.chat.completions.create({ model: "inside", messages });
    expect(c.choices[0]?.message.content).toBe("hello");
    expect(dialled.at(-1)).toBe("127.0.0.1");
  });

  it("never follows an upstream redirect: the client gets a 502 and the redirect target is not asked", async () => {
    upstream.redirectTo = `http://127.0.0.1:${elsewhere.port}/v1/chat/completions`;
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-client", "content-type": "application/json" },
      body: JSON.stringify({ model: "public", messages }),
      redirect: "manual",
    });
    expect(res.status).toBe(502);
    expect(res.headers.get("location")).toBeNull();
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/status 302/);
    expect(elsewhere.hits).toEqual([]);
  });
});

describe("node-wide override (ALLOW_INTERNAL_UPSTREAMS)", () => {
  it("lets every provider reach internal addresses; without it the same pool refuses", async () => {
    const resolve = async () => [{ address: "127.0.0.1", family: 4 }];
    const body = JSON.stringify({ model: "m", messages });
    const send = async (allowAll: boolean) => {
      const pools = createPoolSet({ network: { ...DIRECT_NETWORK, allowInternal: allowAll }, resolve });
      const { pool } = pools.acquire(`http://inside.test:${upstream.port}`, 1_000, false);
      try {
        const r = await pool.request({ path: "/v1/chat/completions", method: "POST", body });
        await r.body.text();
        return r.statusCode;
      } catch (e) {
        return (e as { code?: string }).code;
      } finally {
        await pools.closeAll();
      }
    };
    expect(await send(true)).toBe(200);
    expect(await send(false)).toBe("SY_INTERNAL_ADDRESS_REFUSED");
  });
});
