import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
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

/**
 * Starts a container of a rendered workload from a simulated image, with the environment Kubernetes would
 * build for it and nothing else: ConfigMap entries, Secret keys (a missing one fails, as the kubelet would),
 * downward-API fields, and the image's ENV. Two things stand in for the cluster: Service names in `host:port`
 * values point at local ports, and paths under a volume's mountPath point at a host folder. HOST=127.0.0.1 is
 * the one addition, so the test listens on loopback only.
 */
export function runContainer(name: string, image: SimulatedImage, container: any, ctx: PodContext): PodProcess {
  const mounts = new Map<string, string>();
  for (const m of container.volumeMounts ?? []) {
    const dir = join(ctx.volumesDir, name, m.name);
    mkdirSync(dir, { recursive: true });
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
    const service = /^([a-z0-9-]+):(\d+)$/.exec(value);
    if (service && ctx.services[`${service[1]}:${service[2]}`]) env[key] = ctx.services[`${service[1]}:${service[2]}`]!;
    else if (value.startsWith("/")) env[key] = hostPath(value);
  }
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
