import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, posix } from "node:path";
import type { K8sObject } from "./chart.ts";
import type { SimulatedImage } from "./docker-build.ts";
import { containerEnv } from "./pod-env.ts";

/** What the cluster would provide around a container, for running it as a local process. */
export interface PodContext {
  /** Rendered objects, for the ConfigMaps the container reads. */
  objects: K8sObject[];
  /** Secrets that exist in the namespace: name -> key -> value. */
  secrets: Record<string, Record<string, string>>;
  /** Values of downward-API fields, e.g. metadata.name. */
  fields: Record<string, string>;
  /** Service DNS names and the host:port each stands for on this machine. */
  services: Record<string, string>;
  /** Host folder under which each volume gets its own folder. */
  volumesDir: string;
  /** Files a CSI driver would put in a volume, given its attributes (e.g. cert-manager's csi-driver). */
  csi?: (driver: string, attributes: Record<string, string>) => Record<string, string>;
  /** Variables the test adds, each standing for something the cluster does (say why at the call). */
  extraEnv?: Record<string, string>;
}

/** A container running as a local process. */
export interface PodProcess {
  readonly child: ChildProcess;
  /** The environment it was given, resolved. */
  readonly env: Record<string, string>;
  /** mountPath -> host folder. */
  readonly mounts: Map<string, string>;
  output(): string;
  exited(): Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Fills a volume's folder the way the kubelet would: Secret keys (or the listed items), CSI driver files. */
function fillVolume(name: string, volume: any, dir: string, ctx: PodContext): void {
  if (volume.emptyDir) return;
  let files: Record<string, string>;
  if (volume.secret) {
    const secret = ctx.secrets[volume.secret.secretName];
    if (!secret) fail(`${name}: Secret ${volume.secret.secretName} does not exist, so the pod would not start`);
    const items: { key: string; path: string }[] =
      volume.secret.items ?? Object.keys(secret).map((key) => ({ key, path: key }));
    files = {};
    for (const { key, path } of items) files[path] = secret[key] ?? fail(`${name}: Secret has no key ${key}`);
  } else if (volume.csi && ctx.csi) {
    files = ctx.csi(volume.csi.driver, volume.csi.volumeAttributes ?? {});
  } else {
    fail(`${name}: the test cannot provide volume ${JSON.stringify(volume)}`);
  }
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
}

/**
 * Starts the first container of a rendered pod from a simulated image, with the environment and volumes
 * Kubernetes would give it and nothing else: ConfigMap entries, Secret keys (a missing one fails, as the
 * kubelet would), downward-API fields, the image's ENV, Secret and CSI volumes as files. Two things stand in
 * for the cluster: Service names in `host:port` and `scheme://host:port` values point at local ports, and
 * paths under a volume's mountPath point at a host folder. HOST=127.0.0.1 is the one addition besides
 * `ctx.extraEnv`, so the test listens on loopback only.
 */
export function runContainer(name: string, image: SimulatedImage, pod: any, ctx: PodContext): PodProcess {
  const container = pod.containers[0];
  const mounts = new Map<string, string>();
  for (const m of container.volumeMounts ?? []) {
    const dir = join(ctx.volumesDir, name, m.name);
    mkdirSync(dir, { recursive: true });
    const volume = (pod.volumes ?? []).find((v: any) => v.name === m.name);
    if (!volume) fail(`${name}: volumeMount ${m.name} names no volume of the pod`);
    fillVolume(name, volume, dir, ctx);
    mounts.set(m.mountPath, dir);
  }
  const hostPath = (p: string) => {
    for (const [mountPath, dir] of mounts) {
      if (p === mountPath || p.startsWith(`${mountPath}/`)) return join(dir, posix.relative(mountPath, p));
    }
    return join(image.root, p);
  };
  const env: Record<string, string> = { ...image.env };
  for (const [key, source] of containerEnv(ctx.objects, container)) {
    if (source.kind === "value" || source.kind === "configMap") env[key] = source.value;
    else if (source.kind === "field")
      env[key] = ctx.fields[source.fieldPath] ?? fail(`no value for field ${source.fieldPath}`);
    else {
      const value = ctx.secrets[source.secret]?.[source.key];
      if (value !== undefined) env[key] = value;
      else if (!source.optional) fail(`${name}: Secret ${source.secret} has no key ${source.key}`);
    }
  }
  for (const [key, value] of Object.entries(env)) {
    const service = /^([a-z]+:\/\/)?([a-z0-9-]+:\d+)$/.exec(value);
    const local = service ? ctx.services[service[2]!] : undefined;
    if (service && local) env[key] = `${service[1] ?? ""}${local}`;
    else if (value.startsWith("/")) env[key] = hostPath(value);
  }
  Object.assign(env, ctx.extraEnv);
  env.HOST = "127.0.0.1";
  if (mounts.has("/tmp")) env.TMPDIR = mounts.get("/tmp")!;
  const [program, ...args] = container.command ?? image.cmd;
  if (program !== "node") fail(`${name}: expected a node command, got ${program}`);
  const child = spawn(
    process.execPath,
    args.map((a: string) => (a.startsWith("/") ? hostPath(a) : a)),
    {
      cwd: join(image.root, container.workingDir ?? image.workdir),
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    env,
    mounts,
    output: () => out,
    exited: () => exit,
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
}

function fail(message: string): never {
  throw new Error(message);
}
