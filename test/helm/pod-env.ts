import type { K8sObject } from "./chart.ts";

/** Where one environment variable of a container comes from, as Kubernetes would resolve it. */
export type EnvSource =
  | { kind: "value"; value: string }
  | { kind: "configMap"; configMap: string; value: string }
  | { kind: "secret"; secret: string; key: string; optional: boolean }
  | { kind: "field"; fieldPath: string };

/**
 * The environment of a container: `envFrom` ConfigMaps first, then `env` entries (which win), as the
 * kubelet builds it. ConfigMaps are looked up among the rendered objects; a reference to one the chart does
 * not render throws, because such a pod would not start.
 */
export function containerEnv(objects: K8sObject[], container: any): Map<string, EnvSource> {
  const env = new Map<string, EnvSource>();
  for (const from of container.envFrom ?? []) {
    const name = from.configMapRef?.name;
    if (!name) throw new Error(`unsupported envFrom ${JSON.stringify(from)}`);
    const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === name);
    if (!cm) throw new Error(`envFrom names ConfigMap ${name}, which the chart does not render`);
    for (const [k, v] of Object.entries(cm.data ?? {}))
      env.set(k, { kind: "configMap", configMap: name, value: String(v) });
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env.set(e.name, { kind: "value", value: String(e.value) });
    else if (e.valueFrom?.secretKeyRef) {
      const r = e.valueFrom.secretKeyRef;
      env.set(e.name, { kind: "secret", secret: r.name, key: r.key, optional: r.optional === true });
    } else if (e.valueFrom?.fieldRef) env.set(e.name, { kind: "field", fieldPath: e.valueFrom.fieldRef.fieldPath });
    else throw new Error(`unsupported env entry ${JSON.stringify(e)}`);
  }
  return env;
}

/** A named container port's number; a number passes through. */
export function portNumber(container: any, port: string | number): number {
  if (typeof port === "number") return port;
  const p = (container.ports ?? []).find((x: any) => x.name === port);
  if (!p) throw new Error(`container ${container.name} has no port named ${port}`);
  return p.containerPort;
}

/** The seconds a preStop `sleep N` hook waits, or 0 without one. */
export function preStopSeconds(container: any): number {
  const cmd: string[] | undefined = container.lifecycle?.preStop?.exec?.command;
  if (!cmd) return container.lifecycle?.preStop?.sleep?.seconds ?? 0;
  if (cmd[0] !== "sleep" || cmd.length !== 2) throw new Error(`unexpected preStop command ${cmd.join(" ")}`);
  return Number(cmd[1]);
}
