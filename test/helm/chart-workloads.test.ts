import { beforeAll, describe, expect, it } from "vitest";
import { CI_VALUES, find, type K8sObject, podSpec, render } from "./chart.ts";
import { containerEnv, portNumber, preStopSeconds } from "./pod-env.ts";
import { readmeDefault, readmeEnv } from "./readme-env.ts";

/** Variables that carry secrets: they may only come from a Secret, never from a ConfigMap or a literal. */
const SECRET_VARS = [
  "ADMIN_TOKEN",
  "NODE_TOKEN",
  "NODE_TOKEN_PREVIOUS",
  "MASTER_KEY",
  "DATABASE_URL",
  "REDIS_URL",
  "REDIS_PASSWORD",
  "REDIS_SENTINEL_PASSWORD",
  "SNAPSHOT_KEY",
];

/** Redis variables the default install leaves unset: each comes with the value that needs it. */
const REDIS_ONLY_WITH: Record<string, string> = {
  REDIS_USERNAME: "only with redisConnection.username",
  REDIS_TLS: "only with redisConnection.tls.enabled; otherwise the URL's scheme decides",
  REDIS_TLS_CA_FILE: "only with redisConnection.tls.existingSecret",
  REDIS_TLS_CERT_FILE: "only with redisConnection.tls.clientCertificate",
  REDIS_TLS_KEY_FILE: "only with redisConnection.tls.clientCertificate",
  REDIS_TLS_SERVER_NAME: "only with redisConnection.tls.serverName",
  REDIS_SENTINELS: "only with redisConnection.sentinels",
  REDIS_SENTINEL_MASTER: "only with redisConnection.sentinels",
  REDIS_SENTINEL_PASSWORD: "only with redisConnection.sentinels",
  REDIS_CLUSTER_NODES: "only with redisConnection.clusterNodes",
};

const workloads = (objects: K8sObject[]) =>
  objects.filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind));

/**
 * The properties of the two planes' pods that a wrong value turns into an outage: probes on the real paths
 * and ports, env names the apps read, secrets only by reference, checksums that roll pods, the hardened
 * security context, and a termination grace that covers the app's own shutdown grace.
 */
describe("chart: workloads of both planes", () => {
  const rendered = new Map<string, K8sObject[]>();
  beforeAll(() => {
    for (const file of CI_VALUES) rendered.set(file, render({ values: [`ci/${file}`] }));
  });
  const defaults = () => rendered.get("default-values.yaml")!;

  it("probes the real health endpoints on the ports the README documents", () => {
    const cp = podSpec(find(defaults(), "Deployment", "control-plane")).containers[0];
    const dp = podSpec(find(defaults(), "Deployment", "data-plane")).containers[0];
    const probe = (c: any, which: string) => [c[which].httpGet.path, portNumber(c, c[which].httpGet.port)];
    expect(probe(cp, "readinessProbe")).toEqual(["/readyz", readmeDefault("Control plane", "ADMIN_PORT")]);
    expect(probe(cp, "livenessProbe")).toEqual(["/healthz", readmeDefault("Control plane", "METRICS_PORT")]);
    expect(probe(cp, "startupProbe")).toEqual(["/healthz", readmeDefault("Control plane", "METRICS_PORT")]);
    expect(probe(dp, "readinessProbe")).toEqual(["/readyz", readmeDefault("Data plane", "PORT")]);
    expect(probe(dp, "livenessProbe")).toEqual(["/healthz", readmeDefault("Data plane", "METRICS_PORT")]);
    expect(portNumber(cp, "grpc")).toBe(readmeDefault("Control plane", "GRPC_PORT"));
  });

  it("gives each app the ports its probes and Service name, through the variables it reads", () => {
    for (const [suffix, vars] of [
      ["control-plane", { admin: "ADMIN_PORT", grpc: "GRPC_PORT", metrics: "METRICS_PORT" }],
      ["data-plane", { http: "PORT", metrics: "METRICS_PORT" }],
    ] as const) {
      const c = podSpec(find(defaults(), "Deployment", suffix)).containers[0];
      const env = containerEnv(defaults(), c);
      const service = find(defaults(), "Service", suffix);
      for (const [name, variable] of Object.entries(vars)) {
        const source = env.get(variable);
        expect(source?.kind === "configMap" && Number(source.value), `${suffix} ${variable}`).toBe(portNumber(c, name));
        const sp = service.spec.ports.find((p: any) => p.name === name);
        expect(portNumber(c, sp.targetPort), `${suffix} Service port ${name}`).toBe(portNumber(c, name));
      }
      expect(service.spec.ports.map((p: any) => p.name).sort()).toEqual(Object.keys(vars).sort());
    }
  });

  it("sets only environment variables the README documents for that plane", () => {
    for (const [file, objects] of rendered) {
      for (const [suffix, plane] of [
        ["control-plane", "Control plane"],
        ["data-plane", "Data plane"],
      ] as const) {
        const env = containerEnv(objects, podSpec(find(objects, "Deployment", suffix)).containers[0]);
        const documented = readmeEnv(plane);
        const unknown = [...env.keys()].filter((k) => !documented.has(k));
        expect(unknown, `${file} ${suffix}`).toEqual([]);
      }
      for (const job of objects.filter((o) => o.kind === "Job")) {
        const env = containerEnv(objects, podSpec(job).containers[0]);
        expect([...env.keys()].sort(), `${file} migration Job`).toEqual(["DATABASE_URL", "LOG_LEVEL"]);
      }
    }
  });

  it("sets every documented variable, except those it leaves to the app on purpose", () => {
    // Each exception says why; a variable added to the README fails here until the chart handles it.
    const leftOut: Record<string, Record<string, string>> = {
      "Control plane": {
        HOST: "only with controlPlane.config.host",
        SWITCHYARD_DATA_DIR: "local mode only",
        GRPC_TLS_CLIENT_CA_FILE: "only with configStream.tls.mutual",
        ...REDIS_ONLY_WITH,
      },
      "Data plane": {
        HOST: "only with dataPlane.config.host",
        CONFIG_TLS_CERT_FILE: "only with configStream.tls.mutual",
        CONFIG_TLS_KEY_FILE: "only with configStream.tls.mutual",
        CONFIG_TLS_SERVER_NAME: "the dialled Service name is in the certificate",
        NODE_LABELS: "only with dataPlane.config.nodeLabels",
        SWITCHYARD_DATA_DIR: "SNAPSHOT_FILE is set instead",
        SWITCHYARD_TEST_REJECT_ROUTE_ALIAS: "a test hook",
        ...REDIS_ONLY_WITH,
        HTTPS_PROXY: "only with dataPlane.config.httpsProxy",
        HTTP_PROXY: "only with dataPlane.config.httpProxy",
        NO_PROXY: "only with dataPlane.config.noProxy",
        UPSTREAM_CA_FILE: "only with dataPlane.upstreamCa.configMap",
      },
    };
    for (const [suffix, plane] of [
      ["control-plane", "Control plane"],
      ["data-plane", "Data plane"],
    ] as const) {
      const env = containerEnv(defaults(), podSpec(find(defaults(), "Deployment", suffix)).containers[0]);
      const unset = [...readmeEnv(plane).keys()].filter((k) => !env.has(k));
      expect(
        unset.sort(),
        `${suffix}: a README variable the chart does not set; add it to values.yaml and the ConfigMap, or to leftOut here with the reason`,
      ).toEqual(Object.keys(leftOut[plane]!).sort());
    }
  });

  it("keeps the apps' documented defaults, so installing the chart changes no behaviour by itself", () => {
    // MIGRATE_ON_START is false on purpose: the migration Job owns the schema (tested below).
    for (const [suffix, plane] of [
      ["control-plane", "Control plane"],
      ["data-plane", "Data plane"],
    ] as const) {
      const data = find(defaults(), "ConfigMap", suffix).data as Record<string, string>;
      for (const [name, doc] of readmeEnv(plane)) {
        const documented = /^(\d+|true|false|production|info|k1)\b/.exec(doc.defaultText)?.[1];
        if (documented === undefined || !(name in data) || name === "MIGRATE_ON_START") continue;
        expect(data[name], `${suffix} ${name}`).toBe(documented);
      }
    }
  });

  it("passes every secret by secretKeyRef and keeps ConfigMaps free of secret names and values", () => {
    const secretValues = render({ values: ["ci/chart-secret-values.yaml"] })
      .filter((o) => o.kind === "Secret")
      .flatMap((s) => Object.values(s.data as Record<string, string>).map((v) => Buffer.from(v, "base64").toString()));
    expect(secretValues.length).toBeGreaterThanOrEqual(5);
    for (const [file, objects] of rendered) {
      for (const cm of objects.filter((o) => o.kind === "ConfigMap")) {
        const text = JSON.stringify(cm.data);
        for (const name of SECRET_VARS) expect(Object.keys(cm.data), `${file} ${cm.metadata.name}`).not.toContain(name);
        for (const value of secretValues) expect(text, `${file} ${cm.metadata.name}`).not.toContain(value);
        for (const value of Object.values(cm.data as Record<string, string>)) {
          expect(value, `${file} ${cm.metadata.name}: no float notation in numbers`).not.toMatch(/^\d(\.\d+)?e\+\d+$/);
        }
      }
      for (const w of workloads(objects)) {
        for (const c of podSpec(w).containers) {
          for (const [name, source] of containerEnv(objects, c)) {
            if (SECRET_VARS.includes(name)) expect(source.kind, `${file} ${w.metadata.name} ${name}`).toBe("secret");
          }
        }
      }
    }
  });

  it("rolls pods when their ConfigMap or the chart's Secret changes, and only then", () => {
    const checksums = (objects: K8sObject[]) =>
      Object.fromEntries(
        ["control-plane", "data-plane"].map((s) => [
          s,
          find(objects, "Deployment", s).spec.template.metadata.annotations,
        ]),
      );
    const base = checksums(defaults());
    expect(base["control-plane"]["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);
    const dpChanged = checksums(render({ set: { "dataPlane.config.logLevel": "debug" } }));
    expect(dpChanged["data-plane"]["checksum/config"]).not.toBe(base["data-plane"]["checksum/config"]);
    expect(dpChanged["control-plane"]).toEqual(base["control-plane"]);
    const withSecret = checksums(rendered.get("chart-secret-values.yaml")!);
    const rotated = checksums(
      render({
        values: ["ci/chart-secret-values.yaml"],
        set: { "secrets.nodeToken.value": "another-node-token-1234" },
      }),
    );
    for (const s of ["control-plane", "data-plane"]) {
      expect(withSecret[s]["checksum/secret"]).toMatch(/^[0-9a-f]{64}$/);
      expect(rotated[s]["checksum/secret"]).not.toBe(withSecret[s]["checksum/secret"]);
    }
  });

  it("runs every container non-root, read-only, without privileges or capabilities, under RuntimeDefault seccomp", () => {
    for (const [file, objects] of rendered) {
      for (const w of workloads(objects)) {
        const pod = podSpec(w);
        for (const c of pod.containers) {
          const where = `${file} ${w.metadata.name}/${c.name}`;
          const sc = c.securityContext ?? {};
          expect(sc.allowPrivilegeEscalation, where).toBe(false);
          expect(sc.readOnlyRootFilesystem, where).toBe(true);
          expect(sc.capabilities?.drop, where).toEqual(["ALL"]);
          expect(sc.capabilities?.add, where).toBeUndefined();
          expect(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot, where).toBe(true);
          expect((sc.seccompProfile ?? pod.securityContext?.seccompProfile)?.type, where).toBe("RuntimeDefault");
          expect(sc.privileged ?? false, where).toBe(false);
        }
        expect(pod.automountServiceAccountToken, `${file} ${w.metadata.name}`).toBe(false);
      }
    }
  });

  it("points every *_FILE variable into a volume the container mounts", () => {
    const variants = [...rendered.values(), render({ values: ["ci/production-values.yaml"] })];
    let checked = 0;
    for (const objects of variants) {
      for (const w of workloads(objects)) {
        const c = podSpec(w).containers[0];
        const mounts: string[] = (c.volumeMounts ?? []).map((m: any) => m.mountPath);
        for (const [name, source] of containerEnv(objects, c)) {
          if (!name.endsWith("_FILE") || source.kind !== "configMap" || source.value === "") continue;
          expect(
            mounts.some((m) => source.value.startsWith(`${m}/`)),
            `${w.metadata.name} ${name}`,
          ).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("mounts a writable volume wherever the data plane writes its last-known-good snapshot", () => {
    const c = podSpec(find(defaults(), "Deployment", "data-plane")).containers[0];
    const file = containerEnv(defaults(), c).get("SNAPSHOT_FILE");
    expect(file?.kind).toBe("configMap");
    const path = (file as { value: string }).value;
    const mounts: string[] = c.volumeMounts.map((m: any) => m.mountPath);
    expect(mounts.some((m) => path.startsWith(`${m}/`))).toBe(true);
    const off = render({ set: { "dataPlane.lastKnownGood.enabled": "false" } });
    const offEnv = containerEnv(off, podSpec(find(off, "Deployment", "data-plane")).containers[0]);
    expect(offEnv.get("SNAPSHOT_FILE")).toMatchObject({ value: "" });
  });

  it("gives both planes a termination grace longer than preStop plus their SHUTDOWN_GRACE_MS", () => {
    const variants = [...rendered.values(), render({ set: { "dataPlane.config.shutdownGraceMs": "90500" } })];
    for (const objects of variants) {
      for (const suffix of ["control-plane", "data-plane"]) {
        const pod = podSpec(find(objects, "Deployment", suffix));
        const c = pod.containers[0];
        const grace = containerEnv(objects, c).get("SHUTDOWN_GRACE_MS") as { value: string };
        const needed = preStopSeconds(c) + Number(grace.value) / 1000;
        expect(preStopSeconds(c), suffix).toBeGreaterThan(0);
        expect(pod.terminationGracePeriodSeconds, suffix).toBeGreaterThan(needed);
      }
    }
  });

  it("waits for the migration Job's schema instead of migrating in each replica, when the Job runs", () => {
    const migrateOnStart = (objects: K8sObject[]) =>
      find(objects, "ConfigMap", "control-plane").data.MIGRATE_ON_START as string;
    expect(migrateOnStart(defaults())).toBe("false");
    expect(defaults().some((o) => o.kind === "Job")).toBe(true);
    const minimal = rendered.get("minimal-values.yaml")!;
    expect(migrateOnStart(minimal)).toBe("true");
    expect(minimal.some((o) => o.kind === "Job")).toBe(false);
    const cp = podSpec(find(defaults(), "Deployment", "control-plane")).containers[0];
    const waitMs = Number(find(defaults(), "ConfigMap", "control-plane").data.SCHEMA_WAIT_TIMEOUT_MS);
    expect(cp.startupProbe.periodSeconds * cp.startupProbe.failureThreshold * 1000).toBeGreaterThan(waitMs);
  });
});
