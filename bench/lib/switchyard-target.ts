import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import {
  eventually,
  freePort,
  type PostgresInstance,
  REPO_ROOT,
  type RedisInstance,
  type ServiceProcess,
  startPostgres,
  startRedis,
  startService,
} from "../../test/harness/index.ts";
import { type BenchChild, startChild } from "./child.ts";
import { background, type CoreLayout, pin } from "./proc.ts";
import type { Target } from "./target.ts";
import { chatRequestBody } from "./wire.ts";

/** Where target (3)'s processes run, from the run's core layout: the fields of {@link SwitchyardOptions}. */
export function placement(layout: CoreLayout): Pick<SwitchyardOptions, "targetCpus" | "redisCpus" | "restCpus"> {
  return { targetCpus: layout.target, redisCpus: layout.redis, restCpus: layout.rest };
}

/** How the data plane under test is started. */
export interface SwitchyardOptions {
  readonly upstreamPort: number;
  readonly targetCpus: string | null;
  readonly redisCpus: string | null;
  readonly restCpus: string | null;
  readonly logDir: string;
  /** The data plane's LOG_LEVEL; `info` (the default, one access line per request) is what production runs. */
  readonly logLevel: string;
  /** Extra NODE_OPTIONS for the data plane, e.g. `--cpu-prof`. */
  readonly nodeOptions: string;
  /** Whether the consumer gets its request limit (false only to measure what limiting costs). */
  readonly limit: boolean;
  /**
   * More consumers, each with one key and these limits (admin API bodies; `scopeId` is filled in with the
   * consumer's id). Their keys are in {@link SwitchyardTarget.keys}, by name.
   */
  readonly consumers?: readonly { readonly name: string; readonly limits: readonly Record<string, unknown>[] }[];
}

/** Target (3) plus what the soak needs (the metrics URL) and the pid of its Redis. */
export interface SwitchyardTarget extends Target {
  readonly metricsUrl: string;
  readonly redisPid: number;
  readonly redisUrl: string;
  /** API keys of the extra consumers, by name. */
  readonly keys: Readonly<Record<string, string>>;
  /** The request of {@link Target.request}, sent with another consumer's key. */
  requestAs(key: string, stream: boolean): ReturnType<Target["request"]>;
  /**
   * Starts one more data plane, from the checkout at `root` (another worktree, with its own node_modules), on
   * the same control plane, Redis and CPU: for comparing two versions of the hot path in one run.
   */
  addDataPlane(root: string, name: string, nodeOptions?: string): Promise<Pick<Target, "pid" | "request">>;
}

/** Everything a data plane of this run is started with. */
interface DataPlaneLaunch {
  readonly grpcPort: number;
  readonly nodeToken: string;
  readonly redisUrl: string;
  readonly logLevel: string;
  readonly nodeOptions: string;
  readonly cpus: string | null;
  readonly logDir: string;
  readonly apiKey: string;
  readonly limit: boolean;
}

/** Starts a data plane from `root` and waits until it serves the route (with its limit, when there is one). */
async function startDataPlane(
  l: DataPlaneLaunch,
  root: string,
  name: string,
  port: number,
  metricsPort: number,
): Promise<{ proc: BenchChild; origin: string }> {
  const dataDir = join(l.logDir, name);
  mkdirSync(dataDir, { recursive: true });
  const { proc } = await startChild({
    name,
    args: [join(root, "apps/data-plane/src/main.ts")],
    cwd: root,
    cpus: l.cpus,
    logFile: join(l.logDir, `${name}.log`),
    env: {
      SWITCHYARD_MODE: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      CONTROL_PLANE_URL: `127.0.0.1:${l.grpcPort}`,
      CONFIG_ALLOW_PLAINTEXT: "true",
      NODE_TOKEN: l.nodeToken,
      REDIS_URL: l.redisUrl,
      NODE_ID: name,
      LOG_LEVEL: l.logLevel,
      // The node keeps its last-known-good snapshot here; the run's folder keeps it out of the repository.
      SWITCHYARD_DATA_DIR: dataDir,
      ...(l.nodeOptions ? { NODE_OPTIONS: l.nodeOptions } : {}),
    },
  });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await eventually(async () => {
      const res = await fetch(`${origin}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${l.apiKey}`, "content-type": "application/json" },
        body: chatRequestBody(ALIAS, false),
      });
      await res.arrayBuffer();
      // The limit arrives in the same snapshot as the route only if the node connected after every write;
      // waiting for its header makes sure every measured request goes through the limiter.
      const limited = res.headers.get("x-ratelimit-limit-requests") === String(REQUESTS_PER_MINUTE);
      return res.status === 200 && limited === l.limit;
    }, 60_000);
  } catch (e) {
    await proc.stop(5_000);
    throw e;
  }
  return { proc, origin };
}

const ALIAS = "bench-gpt";
/** Far above anything a run sends in a minute: the limit is checked and counted on every request, never hit. */
const REQUESTS_PER_MINUTE = 1_000_000_000;

async function redisPid(url: string): Promise<number> {
  const r = new Redis(url);
  const info = await r.info("server");
  r.disconnect();
  return Number(/process_id:(\d+)/.exec(info)?.[1]);
}

/**
 * Target (3): a real PostgreSQL, Redis and control plane, and the data plane under test as its own process,
 * configured through the admin API with a provider pointing at the mock, one route, one consumer with an API
 * key and one request limit per minute; resolves once a request through the data plane succeeds.
 */
export async function startSwitchyard(o: SwitchyardOptions): Promise<SwitchyardTarget> {
  const adminToken = randomBytes(24).toString("hex");
  const nodeToken = randomBytes(24).toString("hex");
  let pg: PostgresInstance | undefined;
  let redis: RedisInstance | undefined;
  let cp: ServiceProcess | undefined;
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    stops.push(
      () => pg!.stop(),
      () => redis!.stop(),
    );
    // Before the control plane connects, so the backends forked for it inherit the pinning and priority.
    background(pg.pid(), o.restCpus);
    const redisProcess = await redisPid(redis.url);
    pin(redisProcess, o.redisCpus);
    const [adminPort, grpcPort, cpMetrics, dpPort, dpMetrics] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    cp = startService("control-plane", "apps/control-plane/src/main.ts", {
      SWITCHYARD_MODE: "production",
      HOST: "127.0.0.1",
      ADMIN_PORT: String(adminPort),
      GRPC_PORT: String(grpcPort),
      METRICS_PORT: String(cpMetrics),
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      ADMIN_TOKEN: adminToken,
      NODE_TOKEN: nodeToken,
      MASTER_KEY: randomBytes(32).toString("hex"),
      ALLOW_INTERNAL_UPSTREAMS: "true",
      // Loopback only: the config stream's TLS is not what this benchmark measures.
      GRPC_ALLOW_PLAINTEXT: "true",
      LOG_LEVEL: "warn",
    });
    stops.push(() => cp!.kill("SIGTERM"));
    await cp.waitHttp(`${adminUrl}/readyz`, 60_000);
    // Once ready, so every thread it starts up with is there to be deprioritised too.
    if (cp.child.pid !== undefined) background(cp.child.pid, o.restCpus);
    const apiKey = await provision(adminUrl, adminToken, o.upstreamPort, o.limit);
    const keys: Record<string, string> = {};
    for (const c of o.consumers ?? []) keys[c.name] = await provisionConsumer(adminUrl, adminToken, c.name, c.limits);

    const launch: DataPlaneLaunch = {
      grpcPort,
      nodeToken,
      redisUrl: redis.url,
      logLevel: o.logLevel,
      nodeOptions: o.nodeOptions,
      cpus: o.targetCpus,
      logDir: o.logDir,
      apiKey,
      limit: o.limit,
    };
    const dp = await startDataPlane(launch, REPO_ROOT, "data-plane", dpPort, dpMetrics);
    stops.push(() => dp.proc.stop(30_000));
    const origin = dp.origin;
    const requestAs = (key: string, stream: boolean) => ({
      origin,
      path: "/v1/chat/completions",
      headers: { authorization: `Bearer ${key}` },
      body: chatRequestBody(ALIAS, stream),
    });
    const request = (stream: boolean) => requestAs(apiKey, stream);
    return {
      name: "switchyard",
      label: "(3) Switchyard data plane",
      pid: dp.proc.pid,
      metricsUrl: `http://127.0.0.1:${dpMetrics}/metrics`,
      redisPid: redisProcess,
      redisUrl: redis.url,
      keys,
      requestAs,
      request,
      async addDataPlane(root, name, nodeOptions) {
        const [port, metrics] = await Promise.all([freePort(), freePort()]);
        const options = [launch.nodeOptions, nodeOptions ?? ""].join(" ").trim();
        const extra = await startDataPlane({ ...launch, nodeOptions: options }, root, name, port, metrics);
        stops.push(() => extra.proc.stop(30_000));
        return {
          pid: extra.proc.pid,
          request: (stream: boolean) => ({ ...request(stream), origin: extra.origin }),
        };
      },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** A POST to the admin API that must answer 201; resolves with the created resource. */
type AdminPost = (path: string, body: unknown) => Promise<Record<string, unknown>>;

function adminPost(adminUrl: string, token: string): AdminPost {
  return async (path, body) => {
    const res = await fetch(`${adminUrl}/admin/v1${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  };
}

/** Creates provider, route, consumer, key and (unless told not to) the limit; returns the API key. */
async function provision(adminUrl: string, token: string, upstreamPort: number, limit: boolean): Promise<string> {
  const post = adminPost(adminUrl, token);
  const provider = await post("/providers", {
    name: "bench-mock",
    kind: "openai",
    baseUrl: `http://127.0.0.1:${upstreamPort}/v1`,
    allowInternal: true,
    apiKey: "sk-upstream",
  });
  await post("/routes", { alias: ALIAS, providerId: provider.id, upstreamModel: "gpt-4o-mini" });
  const limits = limit
    ? [{ kind: "requests", window: "minute", limit: REQUESTS_PER_MINUTE, failurePolicy: "fail-closed" }]
    : [];
  return provisionConsumer(adminUrl, token, "bench", limits);
}

/** Creates a consumer with one key and the given limits (scoped to it); returns the key. */
async function provisionConsumer(
  adminUrl: string,
  token: string,
  name: string,
  limits: readonly Record<string, unknown>[],
): Promise<string> {
  const post = adminPost(adminUrl, token);
  const consumer = await post("/consumers", { name });
  for (const l of limits) await post("/limits", { scope: "consumer", scopeId: consumer.id, ...l });
  const key = await post(`/consumers/${consumer.id}/keys`, { name });
  return String(key.key);
}
