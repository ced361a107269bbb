import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.ts";
import { type PostgresInstance, type RedisInstance, startPostgres, startRedis } from "../harness/index.ts";
import {
  adminClient,
  type ControlPlane,
  controlPlane,
  type DataPlane,
  dataPlane,
  fleetSecrets,
  seedRoute,
} from "./fleet/fleet.ts";

const REPLY = "one two three four five six seven eight nine ten";

/** One client request and what became of it. */
interface Outcome {
  id: string;
  stream: boolean;
  startedAt: number;
  endedAt: number;
  /** HTTP status, when response headers arrived. */
  status?: number;
  /** The whole answer arrived: the full text, and `[DONE]` for a stream. */
  complete: boolean;
  /** Socket-level error code, when the request failed without a complete answer. */
  error?: string;
}

/** Sends one chat completion over a kept-alive connection, as an SDK client would, and records the outcome. */
function chat(url: string, agent: Agent, key: string, id: string, stream: boolean): Promise<Outcome> {
  const o: Outcome = { id, stream, startedAt: Date.now(), endedAt: 0, complete: false };
  const body = JSON.stringify({ model: "slow-gpt", stream, messages: [{ role: "user", content: id }] });
  return new Promise((resolve) => {
    const done = (error?: string) => {
      if (o.endedAt) return;
      o.endedAt = Date.now();
      if (error) o.error = error;
      resolve(o);
    };
    const req = request(
      `${url}/v1/chat/completions`,
      { method: "POST", agent, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } },
      (res) => {
        o.status = res.statusCode;
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          const words = stream
            ? [...text.matchAll(/"content":"([^"]*)"/g)].map((m) => m[1]).join("")
            : (JSON.parse(text).choices?.[0]?.message?.content ?? "");
          o.complete = res.statusCode === 200 && words.trim() === REPLY && (!stream || text.includes("data: [DONE]"));
          done();
        });
        res.on("error", (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
        res.on("aborted", () => done("aborted"));
      },
    );
    req.on("error", (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    req.end(body);
  });
}

/** What one SIGTERM-under-load run observed. */
interface DrainResult {
  /** Status of /readyz on the metrics port soon after SIGTERM (undefined if it never changed). */
  readyAfterSignal: number | undefined;
  exitCode: unknown;
  exitAfterMs: number;
  /** Requests the node forwarded upstream or answered at all. */
  accepted: Outcome[];
  failed: Outcome[];
  inFlightAtSignal: Outcome[];
  /** Requests never accepted, and whether each started after the signal. */
  refused: Outcome[];
  sigtermAt: number;
}

/**
 * Eight clients send chat completions back to back (two thirds streamed) until the node exits; after 1.5 s
 * of load the node gets SIGTERM. `keepAlive` chooses between one connection per client reused for every
 * request (SDKs, ingress controllers) and a new connection per request.
 */
async function sigtermUnderLoad(
  node: DataPlane,
  upstream: FakeOpenAI,
  key: string,
  opts: { keepAlive: boolean; graceMs: number },
): Promise<DrainResult> {
  const outcomes: Outcome[] = [];
  const exited = new Promise<number | null>((r) => node.proc().child.once("exit", (code) => r(code)));
  let running = true;
  let sent = 0;
  const workers = Array.from({ length: 8 }, async (_, w) => {
    const agent = new Agent({ keepAlive: opts.keepAlive, maxSockets: 1 });
    while (running && sent < 400) {
      const o = await chat(node.url, agent, key, `req-${node.url}-${w}-${sent++}`, sent % 3 !== 0);
      outcomes.push(o);
      // A refused client backs off a little instead of spinning.
      if (o.error) await new Promise((r) => setTimeout(r, 20));
    }
    agent.destroy();
  });
  await new Promise((r) => setTimeout(r, 1_500));
  const sigtermAt = Date.now();
  node.proc().child.kill("SIGTERM");
  let readyAfterSignal: number | undefined;
  for (let i = 0; i < 20 && readyAfterSignal === undefined; i++) {
    const status = await fetch(`${node.metricsUrl}/readyz`).then(
      (r) => r.status,
      () => undefined,
    );
    if (status !== 200) readyAfterSignal = status;
    else await new Promise((r) => setTimeout(r, 25));
  }
  const exitCode = await Promise.race([
    exited,
    new Promise((r) => setTimeout(() => r("still running"), opts.graceMs + 2_000)),
  ]);
  const exitAfterMs = Date.now() - sigtermAt;
  running = false;
  await Promise.all(workers);
  const forwarded = new Set(
    upstream.requests.map((r) => (r.body as { messages: { content: string }[] }).messages[0]?.content),
  );
  const accepted = outcomes.filter((o) => forwarded.has(o.id) || o.status !== undefined);
  return {
    readyAfterSignal,
    exitCode,
    exitAfterMs,
    accepted,
    failed: accepted.filter((o) => !o.complete),
    inFlightAtSignal: accepted.filter((o) => o.startedAt < sigtermAt && o.endedAt > sigtermAt),
    refused: outcomes.filter((o) => !accepted.includes(o)),
    sigtermAt,
  };
}

/**
 * Rolling updates lose nothing: a data plane under load gets SIGTERM while streams and slow requests are in
 * flight. It must report not ready at once, refuse new connections, finish every request it had accepted
 * (whole stream, right text) within its grace period, and exit 0. A request counts as accepted when the
 * data plane forwarded it upstream or answered it at all.
 */
describe("graceful shutdown of a data plane under load", () => {
  const secrets = fleetSecrets();
  let pg: PostgresInstance;
  let redis: RedisInstance;
  let upstream: FakeOpenAI;
  let cp: ControlPlane;
  const nodes: DataPlane[] = [];
  let apiKey = "";
  let admin: ReturnType<typeof adminClient>;

  /** A fresh data plane, connected and serving the route. */
  const startNode = async (nodeId: string, graceMs: number) => {
    const node = await dataPlane(nodeId, secrets, cp.grpcAddress, redis.url, {
      SHUTDOWN_GRACE_MS: String(graceMs),
      LOG_LEVEL: "warn",
    });
    nodes.push(node);
    await node.start();
    await admin.converged([nodeId]);
    return node;
  };

  beforeAll(async () => {
    [pg, redis, upstream] = await Promise.all([
      startPostgres(),
      startRedis(),
      // About 1.5 s per stream and 0.3 s per plain request, so many are mid-flight at any moment.
      startFakeOpenAI({ apiKey: "sk-upstream", behavior: { headerDelayMs: 300, chunkDelayMs: 100, replyText: REPLY } }),
    ]);
    cp = await controlPlane("cp", secrets, pg.url, { LOG_LEVEL: "warn" });
    await cp.start();
    admin = adminClient(cp.adminUrl, secrets.adminToken);
    apiKey = (await seedRoute(admin, { baseUrl: upstream.url, upstreamKey: "sk-upstream", alias: "slow-gpt" })).key;
  }, 60_000);

  afterAll(async () => {
    await Promise.all([cp?.kill("SIGKILL"), ...nodes.map((n) => n.kill("SIGKILL"))]);
    for (const n of nodes) n.cleanup();
    await Promise.all([pg?.stop(), redis?.stop(), upstream?.close()]);
  });

  it("finishes every accepted request, refuses new connections, and exits 0 well within its grace", async () => {
    const node = await startNode("dp-per-request-connections", 8_000);
    const r = await sigtermUnderLoad(node, upstream, apiKey, { keepAlive: false, graceMs: 8_000 });
    expect(r.readyAfterSignal, "readiness turns 503 while the node drains").toBe(503);
    expect(r.exitCode, node.proc().output()).toBe(0);
    expect(r.exitAfterMs, "drained, not cut at the deadline").toBeLessThan(8_000);
    expect(r.failed, JSON.stringify(r.failed.slice(0, 5))).toEqual([]);
    expect(r.inFlightAtSignal.length, "requests in flight when SIGTERM arrived").toBeGreaterThanOrEqual(6);
    expect(r.inFlightAtSignal.filter((o) => o.stream).length).toBeGreaterThanOrEqual(3);
    // Whatever was not accepted failed at the connection, without an answer: refused, never half-served.
    for (const o of r.refused) expect(o.error, o.id).toMatch(/ECONNREFUSED|ECONNRESET|EPIPE|socket hang up/);
    expect(
      r.refused.some((o) => o.startedAt > r.sigtermAt),
      "new connections after SIGTERM are refused",
    ).toBe(true);
    expect(upstream.requests.every((q) => q.outcome === "completed")).toBe(true);
  }, 30_000);

  describe("with kept-alive clients (SDKs, ingress controllers)", () => {
    let r: DrainResult;
    it("reports not ready, cuts nothing before the grace deadline, and exits 0", async () => {
      const node = await startNode("dp-kept-alive-connections", 3_000);
      r = await sigtermUnderLoad(node, upstream, apiKey, { keepAlive: true, graceMs: 3_000 });
      expect(r.readyAfterSignal).toBe(503);
      expect(r.exitCode, node.proc().output()).toBe(0);
      expect(r.inFlightAtSignal.length).toBeGreaterThanOrEqual(6);
      const cutEarly = r.failed.filter((o) => o.endedAt < r.sigtermAt + 3_000);
      expect(cutEarly, JSON.stringify(cutEarly.slice(0, 5))).toEqual([]);
    }, 30_000);

    // Kept-alive connections are closed after their current response, so back-to-back clients move on.
    it("drains before its grace instead of being cut at the deadline", () => {
      expect(r.failed, JSON.stringify(r.failed.slice(0, 5))).toEqual([]);
      expect(r.exitAfterMs).toBeLessThan(3_000);
    });
  });
});
