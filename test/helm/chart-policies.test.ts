import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CHART_DIR, CI_VALUES, find, type K8sObject, podSpec, render } from "./chart.ts";

const LABELS = [
  "app.kubernetes.io/name",
  "app.kubernetes.io/instance",
  "app.kubernetes.io/version",
  "app.kubernetes.io/component",
  "app.kubernetes.io/part-of",
  "app.kubernetes.io/managed-by",
  "helm.sh/chart",
];

/** Ports of a NetworkPolicy rule as "TCP/8080" strings. */
const ports = (rule: any): string[] => (rule.ports ?? []).map((p: any) => `${p.protocol}/${p.port}`).sort();
/** The component a rule's podSelector peers select, e.g. "control-plane". */
const peerComponents = (rule: any): string[] =>
  (rule.to ?? rule.from ?? []).map((p: any) => p.podSelector?.matchLabels?.["app.kubernetes.io/component"]);
/** cert-manager csi-driver's placeholder for the pod name. */
const POD_NAME_VARIABLE = ["$", "{POD_NAME}"].join("");
const hook = (o: K8sObject) => o.metadata.annotations?.["helm.sh/hook"] as string | undefined;
const weight = (o: K8sObject) => Number(o.metadata.annotations?.["helm.sh/hook-weight"] ?? 0);

/**
 * Policies around the pods: recommended labels, disruption budgets that never block a drain, NetworkPolicies
 * with exactly the traffic each plane needs, migration hooks that run in the right order with objects that
 * exist at that point, ingresses that route only the API ports with streaming-friendly settings, and the HPA.
 */
describe("chart: policies, hooks and routing", () => {
  const rendered = new Map<string, K8sObject[]>();
  beforeAll(() => {
    for (const file of CI_VALUES) rendered.set(file, render({ values: [`ci/${file}`] }));
  });
  const production = () => rendered.get("production-values.yaml")!;

  it("puts the recommended labels on every object and every pod template", () => {
    for (const [file, objects] of rendered) {
      for (const o of objects) {
        const where = `${file} ${o.kind}/${o.metadata.name}`;
        for (const label of LABELS) expect(o.metadata.labels?.[label], `${where} ${label}`).toBeTruthy();
        const template = o.spec?.template?.metadata?.labels;
        if (template) for (const label of LABELS) expect(template[label], `${where} pod ${label}`).toBeTruthy();
      }
    }
  });

  it("never lets a PodDisruptionBudget block a drain, even at one replica", () => {
    const variants = [
      ...rendered.values(),
      render({ set: { "dataPlane.replicaCount": "1", "controlPlane.replicaCount": "1" } }),
    ];
    for (const objects of variants) {
      for (const pdb of objects.filter((o) => o.kind === "PodDisruptionBudget")) {
        expect(pdb.spec.minAvailable, pdb.metadata.name).toBeUndefined();
        const max = pdb.spec.maxUnavailable;
        expect(typeof max === "number" ? max >= 1 : /^[1-9]\d*%$/.test(max), `${pdb.metadata.name}: ${max}`).toBe(true);
        const target = objects.find(
          (o) =>
            o.kind === "Deployment" &&
            o.metadata.labels["app.kubernetes.io/component"] === pdb.metadata.labels["app.kubernetes.io/component"],
        )!;
        expect(target.spec.selector.matchLabels).toEqual(pdb.spec.selector.matchLabels);
      }
    }
  });

  it("lets the data plane receive on proxy/metrics and reach only DNS, Redis, the config stream, HTTPS and extra egress", () => {
    const np = find(production(), "NetworkPolicy", "data-plane");
    expect(np.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(np.spec.ingress.map(ports)).toEqual([["TCP/8080"], ["TCP/9090"]]);
    const egress = np.spec.egress;
    expect(ports(egress[0])).toEqual(["TCP/53", "UDP/53"]);
    expect(ports(egress[1])).toEqual(["TCP/6380"]);
    expect(egress[1].to).toEqual([{ ipBlock: { cidr: "10.30.0.0/16" } }]);
    expect(ports(egress[2])).toEqual(["TCP/50051"]);
    expect(peerComponents(egress[2])).toEqual(["control-plane"]);
    expect(ports(egress[3])).toEqual(["TCP/443"]);
    const v4 = egress[3].to.find((p: any) => p.ipBlock.cidr === "0.0.0.0/0");
    expect(v4.ipBlock.except).toEqual(expect.arrayContaining(["10.0.0.0/8", "169.254.0.0/16"]));
    expect(egress[4]).toMatchObject({ ports: [{ port: 8000 }] });
    expect(egress).toHaveLength(5);
    const bundled = find(rendered.get("default-values.yaml")!, "NetworkPolicy", "data-plane").spec.egress[1];
    expect([ports(bundled), peerComponents(bundled)]).toEqual([["TCP/6379"], ["redis"]]);
  });

  it("lets the control plane receive admin, gRPC from data planes only, metrics, and reach DNS, PostgreSQL, Redis", () => {
    const np = find(rendered.get("default-values.yaml")!, "NetworkPolicy", "control-plane");
    expect(np.spec.ingress.map(ports)).toEqual([["TCP/8081"], ["TCP/50051"], ["TCP/9091"]]);
    expect(peerComponents(np.spec.ingress[1])).toEqual(["data-plane"]);
    expect(np.spec.egress.map(ports)).toEqual([["TCP/53", "UDP/53"], ["TCP/5432"], ["TCP/6379"]]);
    expect(np.spec.egress.slice(1).map(peerComponents)).toEqual([["postgresql"], ["redis"]]);
    const external = find(production(), "NetworkPolicy", "control-plane");
    expect(external.spec.egress[1]).toEqual({
      ports: [{ protocol: "TCP", port: 5432 }],
      to: [{ ipBlock: { cidr: "10.20.0.0/16" } }],
    });
  });

  it("selects every pod the chart runs with a NetworkPolicy when policies are on", () => {
    for (const [file, objects] of rendered) {
      const policies = objects.filter((o) => o.kind === "NetworkPolicy");
      if (policies.length === 0) continue;
      for (const w of objects.filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind))) {
        const labels = w.spec.template.metadata.labels;
        const selected = policies.some((p) =>
          Object.entries(p.spec.podSelector.matchLabels).every(([k, v]) => labels[k] === v),
        );
        expect(selected, `${file} ${w.metadata.name}`).toBe(true);
      }
    }
  });

  it("runs migrations as a pre-install/pre-upgrade hook with an external database, named per revision", () => {
    const objects = rendered.get("chart-secret-values.yaml")!;
    const job = objects.find((o) => o.kind === "Job")!;
    expect(job.metadata.name).toBe("switchyard-migrate-1");
    expect(readFileSync(join(CHART_DIR, "templates", "migrations", "job.yaml"), "utf8")).toMatch(
      /name: .*-{{ \.Release\.Revision }}/,
    );
    expect(hook(job)).toBe("pre-install,pre-upgrade");
    expect(job.metadata.annotations["helm.sh/hook-delete-policy"]).toContain("before-hook-creation");
    expect(podSpec(job).containers[0].command).toEqual(["node", "/app/apps/control-plane/src/migrate.ts"]);
    expect(podSpec(job).restartPolicy).toBe("Never");
  });

  it("gives a hook Job only objects that exist before it: hooks of lower weight or Secrets the user made", () => {
    for (const [file, objects] of rendered) {
      const job = objects.find((o) => o.kind === "Job" && hook(o));
      if (!job) continue;
      const pod = podSpec(job);
      expect(pod.serviceAccountName, `${file}: the chart's ServiceAccount is created after hooks`).toBeUndefined();
      for (const e of pod.containers[0].env.filter((x: any) => x.valueFrom?.secretKeyRef)) {
        const name = e.valueFrom.secretKeyRef.name;
        const chartSecret = objects.find((o) => o.kind === "Secret" && o.metadata.name === name);
        if (!chartSecret) continue; // made by the user before installing
        expect(hook(chartSecret), `${file} ${name}`).toBe(hook(job));
        expect(weight(chartSecret)).toBeLessThan(weight(job));
      }
      for (const np of objects.filter((o) => o.kind === "NetworkPolicy" && o.metadata.name.endsWith("migrations"))) {
        expect([hook(np), weight(np) < weight(job)], file).toEqual([hook(job), true]);
      }
    }
  });

  it("makes the Job an ordinary resource with the bundled database, which exists only after hooks", () => {
    const job = rendered.get("default-values.yaml")!.find((o) => o.kind === "Job")!;
    expect(hook(job)).toBeUndefined();
    expect(job.metadata.name).toBe("switchyard-migrate-1");
    expect(job.spec.backoffLimit).toBeGreaterThan(0);
  });

  it("runs the config stream on TLS by default, with the data planes trusting only the CA", () => {
    const objects = rendered.get("default-values.yaml")!;
    const cp = find(objects, "ConfigMap", "control-plane").data;
    const dp = find(objects, "ConfigMap", "data-plane").data;
    expect([cp.GRPC_ALLOW_PLAINTEXT, dp.CONFIG_ALLOW_PLAINTEXT]).toEqual(["false", "false"]);
    expect(dp.CONTROL_PLANE_URL).toBe("https://switchyard-control-plane:50051");
    const cpVolume = podSpec(find(objects, "Deployment", "control-plane")).volumes.find((v: any) => v.secret);
    const dpVolume = podSpec(find(objects, "Deployment", "data-plane")).volumes.find((v: any) => v.secret);
    expect(cpVolume.secret.secretName).toBe("switchyard-grpc-tls");
    expect(dpVolume.secret).toEqual({ secretName: "switchyard-grpc-tls", items: [{ key: "ca.crt", path: "ca.crt" }] });
    const plain = rendered.get("minimal-values.yaml")!;
    expect(find(plain, "ConfigMap", "data-plane").data).toMatchObject({
      CONTROL_PLANE_URL: "switchyard-control-plane:50051",
      CONFIG_ALLOW_PLAINTEXT: "true",
    });
    expect(find(plain, "ConfigMap", "control-plane").data.GRPC_ALLOW_PLAINTEXT).toBe("true");
  });

  it("issues the control plane's certificate for the name data planes dial, and per-pod client certificates", () => {
    const objects = production();
    const cert = find(objects, "Certificate", "grpc-tls");
    const host = /^https:\/\/([^:]+):/.exec(find(objects, "ConfigMap", "data-plane").data.CONTROL_PLANE_URL)![1];
    expect(cert.spec.dnsNames).toContain(host);
    expect(cert.spec.usages).toContain("server auth");
    expect(cert.spec.issuerRef).toEqual({
      name: "switchyard-internal-ca",
      kind: "ClusterIssuer",
      group: "cert-manager.io",
    });
    const cpPod = podSpec(find(objects, "Deployment", "control-plane"));
    expect(cpPod.volumes.find((v: any) => v.name === "grpc-tls").secret.secretName).toBe(cert.spec.secretName);
    expect(find(objects, "ConfigMap", "control-plane").data.GRPC_TLS_CLIENT_CA_FILE).toBe(
      "/etc/switchyard/grpc-tls/ca.crt",
    );
    const dpPod = podSpec(find(objects, "Deployment", "data-plane"));
    const csi = dpPod.volumes.find((v: any) => v.csi).csi;
    expect(csi.driver).toBe("csi.cert-manager.io");
    // csi-driver's own placeholder syntax, not a template string.
    expect(csi.volumeAttributes["csi.cert-manager.io/common-name"]).toBe(POD_NAME_VARIABLE);
    expect(csi.volumeAttributes["csi.cert-manager.io/key-usages"]).toContain("client auth");
    // The control plane requires CN = NODE_ID, and NODE_ID is the pod name.
    const nodeId = dpPod.containers[0].env.find((e: any) => e.name === "NODE_ID");
    expect(nodeId.valueFrom.fieldRef.fieldPath).toBe("metadata.name");
  });

  it("routes ingresses only to the API ports, with TLS, cert-manager and streaming settings", () => {
    for (const [file, objects] of rendered) {
      for (const ing of objects.filter((o) => o.kind === "Ingress")) {
        for (const rule of ing.spec.rules) {
          for (const p of rule.http.paths)
            expect(["http", "admin"], `${file} ${ing.metadata.name}`).toContain(p.backend.service.port.name);
        }
      }
    }
    const dp = find(production(), "Ingress", "data-plane");
    const a = dp.metadata.annotations;
    expect(a["cert-manager.io/cluster-issuer"]).toBe("letsencrypt-prod");
    expect(a["nginx.ingress.kubernetes.io/proxy-body-size"]).toBe(
      find(production(), "ConfigMap", "data-plane").data.MAX_REQUEST_BODY_BYTES,
    );
    expect(Number(a["nginx.ingress.kubernetes.io/proxy-read-timeout"])).toBeGreaterThanOrEqual(300);
    expect(a["nginx.ingress.kubernetes.io/proxy-buffering"]).toBe("off");
    expect(dp.spec.tls[0].hosts).toEqual(["llm.example.com"]);
    const issuer = find(rendered.get("ingress-cert-manager-values.yaml")!, "Ingress", "admin").metadata.annotations;
    expect(issuer).toEqual({ "cert-manager.io/issuer": "letsencrypt-staging" });
  });

  it("leaves the replica count to the HPA when autoscaling is on", () => {
    for (const file of ["production-values.yaml", "hpa-values.yaml"]) {
      const objects = rendered.get(file)!;
      const hpa = find(objects, "HorizontalPodAutoscaler", "data-plane");
      const deployment = find(objects, "Deployment", "data-plane");
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: deployment.metadata.name,
      });
      expect(deployment.spec.replicas, file).toBeUndefined();
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    }
    expect(find(rendered.get("default-values.yaml")!, "Deployment", "data-plane").spec.replicas).toBe(2);
  });

  it("scrapes /metrics on the metrics ports and ships alerts and a dashboard when monitoring is on", () => {
    const objects = production();
    const monitors = objects.filter((o) => o.kind === "ServiceMonitor");
    expect(monitors).toHaveLength(2);
    for (const m of monitors)
      expect(m.spec.endpoints).toEqual([expect.objectContaining({ port: "metrics", path: "/metrics" })]);
    const alerts = find(objects, "PrometheusRule", "switchyard").spec.groups[0].rules.map((r: any) => r.alert);
    expect(alerts).toEqual(
      expect.arrayContaining([
        "SwitchyardHighErrorRate",
        "SwitchyardHighLatency",
        "SwitchyardDataPlaneDisconnected",
        "SwitchyardConfigNacked",
        "SwitchyardLimiterStoreErrors",
      ]),
    );
    const dashboard = JSON.parse(find(objects, "ConfigMap", "dashboard").data["switchyard.json"]);
    expect(dashboard.panels.length).toBeGreaterThan(5);
  });
});
