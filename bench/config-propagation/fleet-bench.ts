import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, freePort, type ServiceProcess, startService } from "../../test/harness/index.ts";

/**
 * BENCH_CPU_PROF_DIR: when set, the control plane and data planes run with `--cpu-prof` into that folder and are
 * stopped with SIGTERM (a profile is written on a clean exit only).
 */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF_DIR ?? "";
const profiling: Record<string, string> = CPU_PROF_DIR
  ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${CPU_PROF_DIR}` }
  : {};

/** Stops a benchmark process: SIGTERM when profiling (so the profile is written), SIGKILL otherwise. */
export async function stopProcess(proc: ServiceProcess): Promise<void> {
  if (!CPU_PROF_DIR) {
    await proc.kill("SIGKILL");
    return;
  }
  const force = setTimeout(() => void proc.kill("SIGKILL"), 20_000);
  await proc.kill("SIGTERM");
  clearTimeout(force);
}

/** Secrets of one benchmark run. */
export const secrets = {
  adminToken: randomBytes(24).toString("hex"),
  nodeToken: randomBytes(24).toString("hex"),
  masterKey: randomBytes(32).toString("hex"),
};

/** A running control plane and how to reach it. */
export interface BenchControlPlane {
  proc: ServiceProcess;
  adminUrl: string;
  grpcAddress: string;
  metricsUrl: string;
}

/** Starts a control plane on `databaseUrl`, plaintext on loopback (TLS is not what this measures). */
export async function startControlPlane(databaseUrl: string): Promise<BenchControlPlane> {
  const [admin, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
  const adminUrl = `http://127.0.0.1:${admin}`;
  const proc = startService("control-plane", "apps/control-plane/src/main.ts", {
    SWITCHYARD_MODE: "production",
    HOST: "127.0.0.1",
    ADMIN_PORT: String(admin),
    GRPC_PORT: String(grpc),
    METRICS_PORT: String(metrics),
    DATABASE_URL: databaseUrl,
    REDIS_URL: "redis://127.0.0.1:1",
    ADMIN_TOKEN: secrets.adminToken,
    NODE_TOKEN: secrets.nodeToken,
    MASTER_KEY: secrets.masterKey,
    ALLOW_INTERNAL_UPSTREAMS: "true",
    GRPC_ALLOW_PLAINTEXT: "true",
    NODE_STATUS_FLUSH_MS: "500",
    LOG_LEVEL: "info",
    ...profiling,
  });
  await proc.waitHttp(`${adminUrl}/readyz`, 60_000);
  return { proc, adminUrl, grpcAddress: `127.0.0.1:${grpc}`, metricsUrl: `http://127.0.0.1:${metrics}` };
}

/** A running data plane. */
export interface BenchDataPlane {
  proc: ServiceProcess;
  nodeId: string;
  /** The proxy port's origin. */
  url: string;
  metricsUrl: string;
  stop(): Promise<void>;
}

/** Starts a data plane with the in-process limiter (no Redis: the limiter is not what this measures). */
export async function startDataPlane(nodeId: string, grpcAddress: string): Promise<BenchDataPlane> {
  const [port, metrics] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), `sy-bench-${nodeId}-`));
  const proc = startService(nodeId, "apps/data-plane/src/main.ts", {
    SWITCHYARD_MODE: "local",
    SWITCHYARD_DATA_DIR: dir,
    HOST: "127.0.0.1",
    PORT: String(port),
    METRICS_PORT: String(metrics),
    CONTROL_PLANE_URL: grpcAddress,
    NODE_TOKEN: secrets.nodeToken,
    NODE_ID: nodeId,
    SNAPSHOT_FILE: "",
    LOG_LEVEL: "warn",
    ...profiling,
  });
  await proc.waitHttp(`http://127.0.0.1:${port}/readyz`, 120_000);
  return {
    proc,
    nodeId,
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metrics}`,
    async stop() {
      await stopProcess(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Calls the admin API; returns the body and the generation a write committed. */
export async function admin(cp: BenchControlPlane, method: string, path: string, body?: unknown) {
  const res = await fetch(`${cp.adminUrl}/admin/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${secrets.adminToken}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  const generation = res.headers.get("x-config-generation");
  return { body: text ? JSON.parse(text) : null, generation: generation ? BigInt(generation) : null };
}

/**
 * Waits until every node in `nodeIds` acked `generation` or later, and returns the latest ack time (the
 * control plane's clock, milliseconds): the moment the whole fleet had the change.
 */
export async function fleetAckedAt(cp: BenchControlPlane, nodeIds: string[], generation: bigint): Promise<number> {
  return eventually(async () => {
    const nodes = (await admin(cp, "GET", "/nodes")).body.data as {
      nodeId: string;
      ackedGeneration: string | null;
      ackedAt: string | null;
    }[];
    const mine = nodes.filter((n) => nodeIds.includes(n.nodeId));
    if (mine.length !== nodeIds.length) return false;
    if (!mine.every((n) => n.ackedGeneration !== null && BigInt(n.ackedGeneration) >= generation)) return false;
    return Math.max(...mine.map((n) => Date.parse(n.ackedAt as string)));
  }, 60_000);
}

/** Waits until the control plane's published snapshot covers `generation`. */
export async function published(cp: BenchControlPlane, generation: bigint): Promise<void> {
  await eventually(async () => {
    const covered = (await admin(cp, "GET", "/snapshot")).body.coveredGeneration as string | null;
    return covered !== null && BigInt(covered) >= generation;
  }, 120_000);
}

/** Sums the samples of a Prometheus metric whose labels include `labels`; null if absent. */
export async function metric(url: string, name: string, labels: Record<string, string> = {}): Promise<number | null> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total: number | null = null;
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? "").includes(`${k}="${v}"`))) {
      total = (total ?? 0) + Number(m[3]);
    }
  }
  return total;
}

/**
 * Sends `GET /healthz` to `url` back to back until `stop()` and reports the slowest answer: how long a request
 * arriving on the node had to wait while something else (a snapshot apply) held its event loop.
 */
export function probeLatency(url: string) {
  let running = true;
  let max = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await (await fetch(`${url}/healthz`)).text();
      max = Math.max(max, performance.now() - started);
    }
  })();
  return {
    async stop(): Promise<number> {
      running = false;
      await loop;
      return Math.round(max);
    },
  };
}

/** The p-th percentile (0-100) of `xs`, nearest rank. */
export function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
