import { readFileSync } from "node:fs";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { createMemoryLimiter } from "@switchyard/ratelimit";
import OpenAI from "openai";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../../../../test/fakes/fake-upstream.ts";
import { openAIFormatWire } from "../../../../test/fakes/openai-format-wire.ts";
import { UPSTREAM_KEY } from "../../../../test/fakes/provider-setups.ts";
import { testPki } from "../../../../test/harness/test-pki.ts";
import { createDataPlaneApp } from "../app.ts";
import { createPoolSet } from "../runtime/pool-set.ts";
import { createRuntimeHolder } from "../runtime/runtime-holder.ts";
import { captureLogger } from "../testing/capture-logger.ts";
import { serveApp } from "../testing/serve-app.ts";
import { apiKey, consumer, openAIProvider, route, snapshot } from "../testing/snapshot-fixture.ts";
import { parseNoProxy } from "./no-proxy.ts";
import type { Resolver } from "./upstream-connector.ts";
import { DIRECT_NETWORK, type UpstreamNetwork } from "./upstream-network.ts";

/**
 * Provider traffic through an outbound CONNECT proxy and a private CA, with the openai SDK in front of a real
 * data plane app: the fake upstream speaks HTTPS with a certificate for `llm.corp.test` signed by a test CA,
 * and a CONNECT proxy written here tunnels to it. Names are resolved by an injected resolver (the data plane's)
 * and by the proxy's own table (the proxy's), so nothing depends on DNS and only loopback is dialled.
 */

const HOST = "llm.corp.test";
const PROXY_USER = "gw";
const PROXY_PASS = "s3cr:t";

interface TestProxy {
  readonly url: string;
  /** The CONNECT targets asked for, in order. */
  readonly connects: string[];
  /** Answer CONNECTs with this status instead of tunnelling. */
  refuseWith: number | null;
  close(): Promise<void>;
}

/** A minimal HTTP CONNECT proxy: checks basic credentials, resolves `HOST` to loopback, pipes bytes both ways. */
async function startProxy(port: number): Promise<TestProxy> {
  const sockets = new Set<Socket>();
  const proxy: TestProxy = { url: "", connects: [], refuseWith: null, close: async () => {} };
  const expected = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASS}`).toString("base64")}`;
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      client.off("data", onData);
      const lines = head.subarray(0, end).toString("latin1").split("\r\n");
      const target = /^CONNECT (\S+) HTTP\/1\.1$/.exec(lines[0] ?? "")?.[1] ?? "";
      proxy.connects.push(target);
      const auth = lines
        .find((l) => l.toLowerCase().startsWith("proxy-authorization:"))
        ?.slice(20)
        .trim();
      if (auth !== expected) return void client.end("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
      if (proxy.refuseWith !== null) return void client.end(`HTTP/1.1 ${proxy.refuseWith} Forbidden\r\n\r\n`);
      if (target !== `${HOST}:${port}`) return void client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
      const upstream = connect({ host: "127.0.0.1", port }, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head.subarray(end + 4));
        client.pipe(upstream).pipe(client);
      });
      sockets.add(upstream);
      upstream.on("close", () => sockets.delete(upstream));
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    };
    client.on("data", onData);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port: proxyPort } = server.address() as AddressInfo;
  (proxy as { url: string }).url = `http://${PROXY_USER}:${encodeURIComponent(PROXY_PASS)}@127.0.0.1:${proxyPort}`;
  proxy.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return proxy;
}

const pki = testPki();
let fake: FakeUpstream;
let proxy: TestProxy;
let caPem: string;
const opened: { close: () => Promise<void> }[] = [];

/** The data plane's view of DNS: `HOST` is this machine; `inside.corp.test` is a private address. */
const resolve: Resolver = async (host) => {
  if (host === HOST) return [{ address: "127.0.0.1", family: 4 }];
  if (host === "inside.corp.test") return [{ address: "10.20.30.40", family: 4 }];
  throw Object.assign(new Error(`${host} not found`), { code: "ENOTFOUND" });
};

/** A data plane whose only provider is `https://<host>:<fake port>/v1`, reached with `network`. */
async function gateway(network: Partial<UpstreamNetwork>, host = HOST, allowInternal = true) {
  const pools = createPoolSet({ network: { ...DIRECT_NETWORK, ...network }, resolve });
  const holder = createRuntimeHolder({ pools });
  const applied = holder.apply(
    snapshot({
      providers: [
        openAIProvider(`https://${host}:${fake.port}/v1`, {
          apiKey: UPSTREAM_KEY,
          allowInternal,
          connectTimeoutMs: 2_000,
        }),
      ],
      routes: [route("gpt", "prov-openai", "gpt-4o-mini")],
      consumers: [consumer("c1")],
      apiKeys: [apiKey("sk-client", "c1")],
    }),
  );
  if (!applied.ok) throw new Error(applied.error.message);
  const log = captureLogger();
  const served = await serveApp(
    createDataPlaneApp({
      runtime: holder,
      limiter: createMemoryLimiter(),
      logger: log.logger,
      registry: new Registry(),
    }),
  );
  const close = async () => {
    await served.close();
    await holder.close();
  };
  opened.push({ close });
  return { client: new OpenAI({ baseURL: `${served.url}/v1`, apiKey: "sk-client", maxRetries: 0 }), log };
}

const messages = [{ role: "user" as const, content: "hello" }];

beforeAll(async () => {
  const ca = pki.ca("upstream-test-ca");
  caPem = readFileSync(ca.cert, "utf8");
  fake = await startFakeUpstream(openAIFormatWire({ apiKey: UPSTREAM_KEY }), pki.server(ca, [HOST]));
  proxy = await startProxy(fake.port);
});

afterAll(async () => {
  for (const o of opened) await o.close();
  await proxy?.close();
  await fake?.close();
  pki.cleanup();
});

describe("outbound proxy (HTTPS_PROXY, NO_PROXY) and UPSTREAM_CA_FILE", () => {
  it("reaches an HTTPS provider through the proxy, trusting the extra CA, plain and streamed", async () => {
    const { client } = await gateway({ httpsProxy: new URL(proxy.url), caPem });
    const before = proxy.connects.length;
    const c = await client.chat.completions.create({ model: "gpt", messages });
    expect(c.choices[0]?.message.content).toContain("Hello from the fake upstream");
    const s = await client.chat.completions.create({ model: "gpt", messages, stream: true });
    let text = "";
    for await (const ch of s) text += ch.choices[0]?.delta.content ?? "";
    expect(text).toBe(c.choices[0]?.message.content);
    // One tunnel, kept alive for the second request; TLS inside it named the provider.
    expect(proxy.connects.slice(before)).toEqual([`${HOST}:${fake.port}`]);
    const seen = fake.requests.at(-1)!;
    expect(seen.headers.host).toBe(`${HOST}:${fake.port}`);
    expect(seen.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(seen.headers["proxy-authorization"]).toBeUndefined();
  });

  it("fails with a 502 when the provider's certificate is not trusted (no UPSTREAM_CA_FILE)", async () => {
    const { client, log } = await gateway({ httpsProxy: new URL(proxy.url) });
    const before = fake.requests.length;
    const e = (await client.chat.completions
      .create({ model: "gpt", messages })
      .catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(e).toBeInstanceOf(OpenAI.InternalServerError);
    expect(e.status).toBe(502);
    expect(e.code).toBe("upstream_error");
    expect(fake.requests.length).toBe(before);
    expect(log.text()).toContain("upstream request failed");
    expect(log.text()).not.toContain(PROXY_PASS);
  });

  it("bypasses the proxy for a provider NO_PROXY names, still trusting the CA", async () => {
    const { client } = await gateway({
      httpsProxy: new URL(proxy.url),
      noProxy: parseNoProxy(`example.org, .corp.test`),
      caPem,
    });
    const before = proxy.connects.length;
    const c = await client.chat.completions.create({ model: "gpt", messages });
    expect(c.choices[0]?.message.content).toContain("Hello from the fake upstream");
    expect(proxy.connects.length).toBe(before);
  });

  it("keeps the internal-address guard in front of the proxy, and reports a refused tunnel as a 502", async () => {
    // The data plane resolves inside.corp.test to a private address: refused before any CONNECT.
    const inside = await gateway({ httpsProxy: new URL(proxy.url), caPem }, "inside.corp.test", false);
    const before = proxy.connects.length;
    const e = (await inside.client.chat.completions
      .create({ model: "gpt", messages })
      .catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(502);
    expect(e.message).toMatch(/not allowed to reach internal addresses/);
    expect(proxy.connects.length).toBe(before);

    proxy.refuseWith = 403;
    try {
      const { client, log } = await gateway({ httpsProxy: new URL(proxy.url), caPem });
      const r = (await client.chat.completions
        .create({ model: "gpt", messages })
        .catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
      expect(r.status).toBe(502);
      expect(r.code).toBe("upstream_error");
      expect(log.text()).toContain("the outbound proxy answered 403");
    } finally {
      proxy.refuseWith = null;
    }
  });
});
