import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  freePort,
  type PostgresInstance,
  type RedisInstance,
  startPostgres,
  startRedis,
} from "../harness/index.ts";
import { find, type K8sObject, podSpec, render } from "./chart.ts";
import { type SimulatedImage, simulateBuild } from "./docker-build.ts";
import { portNumber } from "./pod-env.ts";
import { type PodProcess, runContainer } from "./pod-runner.ts";

/** Every file below a folder, relative to it, for spotting writes outside the mounted volumes. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name));
}

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers });
  return { status: res.status, text: await res.text() };
};

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => resolve(s.end() !== undefined));
    s.once("error", () => resolve(false));
  });

/**
 * The chart and the apps agree: the images built from the Dockerfile (simulated without Docker) run the
 * commands the chart names, with exactly the environment the rendered Deployments and Job give them, against
 * a real PostgreSQL and Redis; they become ready on the ports the probes and Services name, write only to
 * their volumes, and export every metric the alerts and dashboard query. A renamed variable, port, path or
 * metric fails here.
 */
describe("chart contract: rendered pods run the real apps", () => {
  const work = mkdtempSync(join(tmpdir(), "switchyard-contract-"));
  const secret = {
    ADMIN_TOKEN: randomBytes(24).toString("hex"),
    NODE_TOKEN: randomBytes(24).toString("hex"),
    MASTER_KEY: randomBytes(32).toString("hex"),
  };
  let pg: PostgresInstance;
  let redis: RedisInstance;
  let images: Map<string, SimulatedImage>;
  let objects: K8sObject[];
  let services: Record<string, string>;
  const pods: PodProcess[] = [];
  const context = () => ({
    objects,
    secrets: { "switchyard-secrets": { ...secret, DATABASE_URL: pg.url, REDIS_URL: redis.url } },
    fields: { "metadata.name": "switchyard-data-plane-7d9f8-x2x4q" },
    services,
    volumesDir: join(work, "volumes"),
  });
  const container = (kind: string, suffix: string) => podSpec(find(objects, kind, suffix)).containers[0];
  const probeUrl = (c: any, probe: string) =>
    `http://127.0.0.1:${portNumber(c, c[probe].httpGet.port)}${c[probe].httpGet.path}`;

  beforeAll(async () => {
    images = simulateBuild(["control-plane", "data-plane"], join(work, "images"));
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const port = async () => String(await freePort());
    // Free ports instead of the defaults, so the test cannot collide with anything else on the machine.
    objects = render({
      set: {
        "controlPlane.ports.admin": await port(),
        "controlPlane.ports.grpc": await port(),
        "controlPlane.ports.metrics": await port(),
        "dataPlane.ports.http": await port(),
        "dataPlane.ports.metrics": await port(),
      },
    });
    services = {};
    for (const svc of objects.filter((o) => o.kind === "Service")) {
      for (const p of svc.spec.ports) services[`${svc.metadata.name}:${p.port}`] = `127.0.0.1:${p.port}`;
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(pods.map((p) => p.kill("SIGKILL")));
    await Promise.all([pg?.stop(), redis?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it("builds images whose CMD is the command the chart runs", () => {
    expect(images.get("control-plane")!.cmd).toEqual(container("Deployment", "control-plane").command);
    expect(images.get("data-plane")!.cmd).toEqual(container("Deployment", "data-plane").command);
    for (const image of images.values()) expect(image.user).toMatch(/^\d+:\d+$/);
  });

  it("runs the migration Job's command to completion against the database", async () => {
    const job = runContainer("migrate", images.get("control-plane")!, container("Job", "migrate-1"), context());
    expect(await job.exited(), job.output()).toBe(0);
  });

  it("starts the control plane ready on the ports its probes and Service name", async () => {
    const c = container("Deployment", "control-plane");
    const before = listFiles(images.get("control-plane")!.root);
    const cp = runContainer("control-plane", images.get("control-plane")!, c, context());
    pods.push(cp);
    await eventually(async () => (await get(probeUrl(c, "readinessProbe"))).status === 200, 20_000).catch((e) => {
      throw new Error(`${e.message}\n${cp.output()}`);
    });
    expect((await get(probeUrl(c, "livenessProbe"))).status).toBe(200);
    expect((await get(probeUrl(c, "startupProbe"))).status).toBe(200);
    for (const p of find(objects, "Service", "control-plane").spec.ports) {
      expect(await accepts(portNumber(c, p.targetPort)), p.name).toBe(true);
    }
    expect(listFiles(images.get("control-plane")!.root)).toEqual(before);
  });

  it("starts the data plane, which dials the control plane's Service and becomes ready", async () => {
    const c = container("Deployment", "data-plane");
    const before = listFiles(images.get("data-plane")!.root);
    const dp = runContainer("data-plane", images.get("data-plane")!, c, context());
    pods.push(dp);
    await eventually(async () => (await get(probeUrl(c, "readinessProbe"))).status === 200, 20_000).catch((e) => {
      throw new Error(`${e.message}\n${dp.output()}`);
    });
    expect((await get(probeUrl(c, "livenessProbe"))).status).toBe(200);
    for (const p of find(objects, "Service", "data-plane").spec.ports) {
      expect(await accepts(portNumber(c, p.targetPort)), p.name).toBe(true);
    }
    const admin = portNumber(container("Deployment", "control-plane"), "admin");
    const nodes = await get(`http://127.0.0.1:${admin}/admin/v1/nodes`, {
      authorization: `Bearer ${secret.ADMIN_TOKEN}`,
    });
    expect(JSON.parse(nodes.text).data.map((n: { nodeId: string }) => n.nodeId)).toContain(
      "switchyard-data-plane-7d9f8-x2x4q",
    );
    // The last-known-good file lands on the volume the chart mounts, and nothing is written elsewhere.
    const snapshotFile = dp.env.SNAPSHOT_FILE!;
    expect([...dp.mounts.values()].some((dir) => snapshotFile.startsWith(dir))).toBe(true);
    await eventually(async () => existsSync(snapshotFile), 10_000);
    expect(listFiles(images.get("data-plane")!.root)).toEqual(before);
  });

  it("exports every metric the PrometheusRule and the Grafana dashboard query", async () => {
    const exported = new Set<string>();
    for (const suffix of ["control-plane", "data-plane"]) {
      const c = container("Deployment", suffix);
      const text = (await get(`http://127.0.0.1:${portNumber(c, "metrics")}/metrics`)).text;
      for (const m of text.matchAll(/^# TYPE (\S+)/gm)) exported.add(m[1]!);
    }
    const monitoring = render({ values: ["ci/production-values.yaml"] });
    const queries = JSON.stringify([
      find(monitoring, "PrometheusRule", "switchyard").spec,
      find(monitoring, "ConfigMap", "dashboard").data,
    ]);
    const queried = new Set([...queries.matchAll(/\b(switchyard_[a-z_]+|process_[a-z_]+)/g)].map((m) => m[1]!));
    expect(queried.size).toBeGreaterThan(8);
    const missing = [...queried].filter((q) => !exported.has(q.replace(/_(bucket|sum|count)$/, "")));
    expect(missing).toEqual([]);
  });
});
