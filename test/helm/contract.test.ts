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
import { find, type K8sObject, podSpec, type RenderOptions, render } from "./chart.ts";
import { type SimulatedImage, simulateBuild } from "./docker-build.ts";
import { portNumber } from "./pod-env.ts";
import { type PodContext, type PodProcess, runContainer } from "./pod-runner.ts";
import { testCa } from "./test-certs.ts";

/** Every file below a folder, for spotting writes outside the mounted volumes. */
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

/** Renders the chart on free ports, so the test cannot collide with anything else on the machine. */
async function renderOnFreePorts(opts: RenderOptions = {}): Promise<K8sObject[]> {
  const port = async () => String(await freePort());
  const set = {
    "controlPlane.ports.admin": await port(),
    "controlPlane.ports.grpc": await port(),
    "controlPlane.ports.metrics": await port(),
    "dataPlane.ports.http": await port(),
    "dataPlane.ports.metrics": await port(),
    ...opts.set,
  };
  return render({ ...opts, set });
}

/** Each Service port as the local address it stands for (the test's DNS). */
function serviceAddresses(objects: K8sObject[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const svc of objects.filter((o) => o.kind === "Service")) {
    for (const p of svc.spec.ports) out[`${svc.metadata.name}:${p.port}`] = `127.0.0.1:${p.port}`;
  }
  return out;
}

/**
 * The chart and the apps agree: the images built from the Dockerfile (simulated without Docker) run the
 * commands the chart names, with exactly the environment and volumes the rendered Deployments and Job give
 * them, against a real PostgreSQL and Redis, the config stream on TLS (and mutual TLS) with certificates made
 * as NOTES.txt and cert-manager would make them. They become ready on the ports the probes and Services
 * name, write only to their volumes, and export every metric the alerts and dashboard query. A renamed
 * variable, port, path, file or metric fails here.
 */
describe("chart contract: rendered pods run the real apps", () => {
  const work = mkdtempSync(join(tmpdir(), "switchyard-contract-"));
  const podName = "switchyard-data-plane-7d9f8-x2x4q";
  const secret = {
    ADMIN_TOKEN: randomBytes(24).toString("hex"),
    NODE_TOKEN: randomBytes(24).toString("hex"),
    MASTER_KEY: randomBytes(32).toString("hex"),
  };
  const ca = testCa(join(work, "pki"));
  // What NOTES.txt has users create: the Service's names, and the CA for the data planes.
  const server = ca.server(["switchyard-control-plane", "switchyard-control-plane.switchyard.svc"]);
  let pg: PostgresInstance;
  let redis: RedisInstance;
  let images: Map<string, SimulatedImage>;
  let objects: K8sObject[];
  const pods: PodProcess[] = [];
  const context = (rendered: K8sObject[], volumes: string, extraEnv: Record<string, string> = {}): PodContext => ({
    objects: rendered,
    secrets: {
      "switchyard-secrets": { ...secret, DATABASE_URL: pg.url, REDIS_URL: redis.url },
      "switchyard-grpc-tls": { "tls.crt": server.cert, "tls.key": server.key, "ca.crt": ca.caCert },
    },
    fields: { "metadata.name": podName },
    services: serviceAddresses(rendered),
    volumesDir: join(work, volumes),
    // cert-manager's csi-driver: a certificate per pod, ${POD_NAME} in the CN resolved.
    csi: (driver, attributes) => {
      expect(driver).toBe("csi.cert-manager.io");
      const cn = attributes["csi.cert-manager.io/common-name"]!.replace(["$", "{POD_NAME}"].join(""), podName);
      const pem = ca.client(cn);
      return { "tls.crt": pem.cert, "tls.key": pem.key, "ca.crt": ca.caCert };
    },
    extraEnv,
  });
  // DNS stand-in for a data plane: it dials 127.0.0.1 where the cluster would resolve the Service name, so the
  // name its TLS check must expect is the Service host of the rendered CONTROL_PLANE_URL.
  const dialledName = (rendered: K8sObject[]) => ({
    CONFIG_TLS_SERVER_NAME: /^https:\/\/([^:]+):/.exec(
      find(rendered, "ConfigMap", "data-plane").data.CONTROL_PLANE_URL,
    )![1]!,
  });
  const pod = (rendered: K8sObject[], kind: string, suffix: string) => podSpec(find(rendered, kind, suffix));
  const probeUrl = (c: any, probe: string) =>
    `http://127.0.0.1:${portNumber(c, c[probe].httpGet.port)}${c[probe].httpGet.path}`;
  const waitReady = async (p: PodProcess, c: any) =>
    eventually(async () => (await get(probeUrl(c, "readinessProbe"))).status === 200, 20_000).catch((e) => {
      throw new Error(`${e.message}\n${p.output()}`);
    });
  const nodeIds = async (rendered: K8sObject[]) => {
    const admin = portNumber(pod(rendered, "Deployment", "control-plane").containers[0], "admin");
    const res = await get(`http://127.0.0.1:${admin}/admin/v1/nodes`, {
      authorization: `Bearer ${secret.ADMIN_TOKEN}`,
    });
    return (JSON.parse(res.text).data as { nodeId: string; connected: boolean }[])
      .filter((n) => n.connected)
      .map((n) => n.nodeId);
  };

  beforeAll(async () => {
    images = simulateBuild(["control-plane", "data-plane"], join(work, "images"));
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    objects = await renderOnFreePorts();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(pods.map((p) => p.kill("SIGKILL")));
    await Promise.all([pg?.stop(), redis?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  it("builds images whose CMD is the command the chart runs", () => {
    expect(images.get("control-plane")!.cmd).toEqual(pod(objects, "Deployment", "control-plane").containers[0].command);
    expect(images.get("data-plane")!.cmd).toEqual(pod(objects, "Deployment", "data-plane").containers[0].command);
    for (const image of images.values()) expect(image.user).toMatch(/^\d+:\d+$/);
  });

  it("runs the migration Job's command to completion against the database", async () => {
    const job = runContainer(
      "migrate",
      images.get("control-plane")!,
      pod(objects, "Job", "migrate-1"),
      context(objects, "v1"),
    );
    expect(await job.exited(), job.output()).toBe(0);
  });

  it("starts the control plane ready on the ports its probes and Service name, TLS on its gRPC port", async () => {
    const spec = pod(objects, "Deployment", "control-plane");
    const c = spec.containers[0];
    const before = listFiles(images.get("control-plane")!.root);
    const cp = runContainer("control-plane", images.get("control-plane")!, spec, context(objects, "v1"));
    pods.push(cp);
    await waitReady(cp, c);
    expect((await get(probeUrl(c, "livenessProbe"))).status).toBe(200);
    expect((await get(probeUrl(c, "startupProbe"))).status).toBe(200);
    for (const p of find(objects, "Service", "control-plane").spec.ports) {
      expect(await accepts(portNumber(c, p.targetPort)), p.name).toBe(true);
    }
    expect(cp.env.GRPC_ALLOW_PLAINTEXT).toBe("false");
    expect(listFiles(images.get("control-plane")!.root)).toEqual(before);
  });

  it("starts the data plane, which dials the control plane's Service over TLS and becomes ready", async () => {
    const spec = pod(objects, "Deployment", "data-plane");
    const c = spec.containers[0];
    const before = listFiles(images.get("data-plane")!.root);
    const dp = runContainer(
      "data-plane",
      images.get("data-plane")!,
      spec,
      context(objects, "v1", dialledName(objects)),
    );
    pods.push(dp);
    await waitReady(dp, c);
    expect((await get(probeUrl(c, "livenessProbe"))).status).toBe(200);
    for (const p of find(objects, "Service", "data-plane").spec.ports) {
      expect(await accepts(portNumber(c, p.targetPort)), p.name).toBe(true);
    }
    expect(dp.env.CONTROL_PLANE_URL).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await nodeIds(objects)).toContain(podName);
    // The last-known-good file lands on the volume the chart mounts, and nothing is written elsewhere.
    const snapshotFile = dp.env.SNAPSHOT_FILE!;
    expect([...dp.mounts.values()].some((dir) => snapshotFile.startsWith(dir))).toBe(true);
    await eventually(async () => existsSync(snapshotFile), 10_000);
    expect(listFiles(images.get("data-plane")!.root)).toEqual(before);
  });

  it("exports every metric the PrometheusRule and the Grafana dashboard query", async () => {
    const exported = new Set<string>();
    for (const suffix of ["control-plane", "data-plane"]) {
      const c = pod(objects, "Deployment", suffix).containers[0];
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

  it("connects a data plane with its per-pod certificate when mutual TLS is on", async () => {
    const mutual = await renderOnFreePorts({
      set: { "configStream.tls.mutual.enabled": "true", "configStream.tls.mutual.issuerRef.name": "switchyard-ca" },
    });
    const cpSpec = pod(mutual, "Deployment", "control-plane");
    const cp = runContainer("cp-mutual", images.get("control-plane")!, cpSpec, context(mutual, "v2"));
    pods.push(cp);
    await waitReady(cp, cpSpec.containers[0]);
    expect(cp.env.GRPC_TLS_CLIENT_CA_FILE).toBeTruthy();
    const dpSpec = pod(mutual, "Deployment", "data-plane");
    const dp = runContainer("dp-mutual", images.get("data-plane")!, dpSpec, context(mutual, "v2", dialledName(mutual)));
    pods.push(dp);
    await waitReady(dp, dpSpec.containers[0]);
    expect(dp.env.CONFIG_TLS_CERT_FILE).toBeTruthy();
    expect(await nodeIds(mutual)).toContain(podName);
  }, 40_000);
});
