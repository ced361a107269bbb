import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, freePort, type ServiceProcess, startService } from "../../harness/index.ts";

/**
 * Helpers for config-distribution scenarios: control planes and data planes as real processes, restartable
 * on the same ports and files, and an admin client that remembers the newest generation it wrote.
 */

/** Secrets shared by every process of one scenario. */
export interface FleetSecrets {
  adminToken: string;
  nodeToken: string;
  masterKey: string;
}

/** Fresh random secrets. */
export function fleetSecrets(): FleetSecrets {
  return {
    adminToken: randomBytes(24).toString("hex"),
    nodeToken: randomBytes(24).toString("hex"),
    masterKey: randomBytes(32).toString("hex"),
  };
}

/** A process that can be killed and started again with the same environment. */
export interface Restartable {
  proc(): ServiceProcess;
  /** Starts it (again) and waits for `readyUrl` unless `wait` is false. */
  start(opts?: { wait?: boolean; env?: Record<string, string>; timeoutMs?: number }): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function restartable(name: string, script: string, env: Record<string, string>, readyUrl: string): Restartable {
  let current: ServiceProcess | undefined;
  return {
    proc() {
      if (!current) throw new Error(`${name} was never started`);
      return current;
    },
    async start(opts = {}) {
      current = startService(name, script, { ...env, ...opts.env });
      if (opts.wait !== false) await current.waitHttp(readyUrl, opts.timeoutMs ?? 20_000);
    },
    async kill(signal = "SIGKILL") {
      await current?.kill(signal);
    },
  };
}

/** A control plane process and its addresses. */
export interface ControlPlane extends Restartable {
  readonly adminUrl: string;
  readonly grpcAddress: string;
  readonly metricsUrl: string;
}

/** Prepares (does not start) a control plane on fresh ports. */
export async function controlPlane(
  name: string,
  s: FleetSecrets,
  databaseUrl: string,
  extra: Record<string, string> = {},
): Promise<ControlPlane> {
  const [admin, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
  const adminUrl = `http://127.0.0.1:${admin}`;
  const env = {
    SWITCHYARD_MODE: "production",
    HOST: "127.0.0.1",
    ADMIN_PORT: String(admin),
    GRPC_PORT: String(grpc),
    METRICS_PORT: String(metrics),
    DATABASE_URL: databaseUrl,
    // A dead address: the usage consumer and the limit counters endpoint find no Redis (scenarios that need them
    // pass a real one in `extra`).
    REDIS_URL: "redis://127.0.0.1:1",
    ADMIN_TOKEN: s.adminToken,
    NODE_TOKEN: s.nodeToken,
    MASTER_KEY: s.masterKey,
    ALLOW_INTERNAL_UPSTREAMS: "true",
    // Scenarios about TLS pass certificate files in `extra`; the others run the stream in plaintext, by name.
    GRPC_ALLOW_PLAINTEXT: "true",
    LOG_LEVEL: "info",
    ...extra,
  };
  return {
    ...restartable(name, "apps/control-plane/src/main.ts", env, `${adminUrl}/readyz`),
    adminUrl,
    grpcAddress: `127.0.0.1:${grpc}`,
    metricsUrl: `http://127.0.0.1:${metrics}`,
  };
}

/** A data plane process and its addresses. */
export interface DataPlane extends Restartable {
  readonly url: string;
  readonly metricsUrl: string;
  readonly snapshotFile: string;
  /** Removes its folder; call after the process is gone. */
  cleanup(): void;
}

/** Prepares (does not start) a data plane with its own last-known-good file. */
export async function dataPlane(
  nodeId: string,
  s: FleetSecrets,
  controlPlaneAddress: string,
  redisUrl: string,
  extra: Record<string, string> = {},
): Promise<DataPlane> {
  const [port, metrics] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), `sy-${nodeId}-`));
  const url = `http://127.0.0.1:${port}`;
  const snapshotFile = join(dir, "last-known-good.snapshot");
  const env = {
    SWITCHYARD_MODE: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    METRICS_PORT: String(metrics),
    CONTROL_PLANE_URL: controlPlaneAddress,
    NODE_TOKEN: s.nodeToken,
    REDIS_URL: redisUrl,
    // The production default (50 ms) is for a dedicated Redis; test suites share two cores.
    LIMIT_REDIS_TIMEOUT_MS: "500",
    NODE_ID: nodeId,
    SNAPSHOT_FILE: snapshotFile,
    CONFIG_ALLOW_PLAINTEXT: "true",
    SHUTDOWN_GRACE_MS: "2000",
    LOG_LEVEL: "info",
    ...extra,
  };
  return {
    ...restartable(nodeId, "apps/data-plane/src/main.ts", env, `${url}/readyz`),
    url,
    metricsUrl: `http://127.0.0.1:${metrics}`,
    snapshotFile,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** One node as `GET /admin/v1/nodes` lists it (the fields scenarios look at). */
export interface FleetNode {
  nodeId: string;
  connected: boolean;
  ackedVersion: string | null;
  [field: string]: unknown;
}

/** The admin API of one control plane, remembering the newest generation any write reported. */
export function adminClient(adminUrl: string, token: string) {
  let lastGeneration = 0n;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${adminUrl}/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const generation = res.headers.get("x-config-generation");
    if (generation && BigInt(generation) > lastGeneration) lastGeneration = BigInt(generation);
    const text = await res.text();
    // Scenario code reads whatever the endpoint answered.
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return {
    call,
    lastGeneration: () => lastGeneration,
    /** Raises the generation to wait for (a write made through another replica's client). */
    saw(generation: bigint) {
      if (generation > lastGeneration) lastGeneration = generation;
    },
    nodes: async () => (await call("GET", "/nodes")).body.data as FleetNode[],
    /** Waits until `nodeIds` are connected and have acked a snapshot covering the newest write. */
    async converged(nodeIds: readonly string[], timeoutMs = 15_000) {
      await eventually(async () => {
        const snap = (await call("GET", "/snapshot")).body;
        if (!snap.coveredGeneration || BigInt(snap.coveredGeneration) < lastGeneration) return false;
        const nodes = (await call("GET", "/nodes")).body.data as FleetNode[];
        return nodeIds.every((id) =>
          nodes.some((n) => n.nodeId === id && n.connected && n.ackedVersion === snap.version),
        );
      }, timeoutMs);
    },
  };
}

/** Creates a provider, a route `alias` on it, a consumer and a key; returns the key text and ids. */
export async function seedRoute(
  admin: ReturnType<typeof adminClient>,
  opts: { baseUrl: string; upstreamKey: string; alias: string; name?: string },
) {
  const name = opts.name ?? "upstream";
  const provider = await admin.call("POST", "/providers", {
    name,
    kind: "openai",
    baseUrl: opts.baseUrl,
    allowInternal: true,
    apiKey: opts.upstreamKey,
  });
  if (provider.status !== 201) throw new Error(`provider: ${JSON.stringify(provider.body)}`);
  const route = await admin.call("POST", "/routes", {
    alias: opts.alias,
    providerId: provider.body.id,
    upstreamModel: `${opts.alias}-upstream`,
  });
  if (route.status !== 201) throw new Error(`route: ${JSON.stringify(route.body)}`);
  const consumer = await admin.call("POST", "/consumers", { name: `${name}-consumer` });
  const key = await admin.call("POST", `/consumers/${consumer.body.id}/keys`, { name: "e2e" });
  if (key.status !== 201) throw new Error(`key: ${JSON.stringify(key.body)}`);
  return {
    providerId: provider.body.id as string,
    routeId: route.body.id as string,
    consumerId: consumer.body.id as string,
    key: key.body.key as string,
  };
}

/** Sums the samples of a Prometheus metric whose labels include `labels`; null if there is none. */
export async function metric(
  metricsUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | null> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  let total: number | null = null;
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const wanted = Object.entries(labels).every(([k, v]) => (m[2] ?? "").includes(`${k}="${v}"`));
    if (wanted) total = (total ?? 0) + Number(m[3]);
  }
  return total;
}
