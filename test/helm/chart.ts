import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ensureHelm } from "../../scripts/ensure-helm.ts";
import { REPO_ROOT } from "../harness/index.ts";

/** The chart under test. */
export const CHART_DIR = join(REPO_ROOT, "helm", "switchyard");

/** API groups passed to `helm template` so CRD-backed objects render as they would on a cluster that has them. */
export const EXTRA_API_VERSIONS = ["monitoring.coreos.com/v1", "cert-manager.io/v1"];

/** Every `ci/*-values.yaml` of the chart, by file name. */
export const CI_VALUES: string[] = readdirSync(join(CHART_DIR, "ci"))
  .filter((f) => f.endsWith("-values.yaml"))
  .sort();

/** A rendered Kubernetes object, loosely typed: tests read fields by path. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [k: string]: any };
  [k: string]: any;
};

/** Options of one render. */
export interface RenderOptions {
  /** Values files relative to the chart (e.g. "ci/production-values.yaml"). */
  values?: string[];
  /** `--set` / `--set-string` pairs. */
  set?: Record<string, string>;
  setString?: Record<string, string>;
  release?: string;
  namespace?: string;
  /** Render as `helm upgrade` would (`.Release.IsUpgrade`). */
  upgrade?: boolean;
}

let helmPath: string | undefined;

/** The helm binary; fetching it may take a few seconds on a cold cache and throws without network. */
export function helm(): string {
  helmPath ??= ensureHelm();
  return helmPath;
}

/** Runs helm with the given arguments; a failure throws with helm's own message. */
export function runHelm(args: string[]): string {
  try {
    return execFileSync(helm(), args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], cwd: REPO_ROOT });
  } catch (e) {
    const { stderr = "", stdout = "" } = e as { stderr?: string; stdout?: string };
    throw new Error(`helm ${args.join(" ")} failed:\n${stderr}${stdout}`);
  }
}

/** The arguments of `helm template` for these options. */
export function templateArgs(opts: RenderOptions = {}): string[] {
  const args = ["template", opts.release ?? "switchyard", CHART_DIR, "--namespace", opts.namespace ?? "switchyard"];
  for (const v of EXTRA_API_VERSIONS) args.push("--api-versions", v);
  for (const f of opts.values ?? []) args.push("-f", join(CHART_DIR, f));
  for (const [k, v] of Object.entries(opts.set ?? {})) args.push("--set", `${k}=${v}`);
  for (const [k, v] of Object.entries(opts.setString ?? {})) args.push("--set-string", `${k}=${v}`);
  if (opts.upgrade) args.push("--is-upgrade");
  return args;
}

/** Parses helm's multi-document output; a document that does not parse fails the test. */
export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/** Renders the chart and returns its objects. */
export function render(opts: RenderOptions = {}): K8sObject[] {
  return parseManifests(runHelm(templateArgs(opts)));
}

/** The one object of a kind whose name ends with `suffix`; throws when there is not exactly one. */
export function find(objects: K8sObject[], kind: string, suffix: string): K8sObject {
  const hits = objects.filter((o) => o.kind === kind && o.metadata.name.endsWith(suffix));
  if (hits.length !== 1) throw new Error(`expected one ${kind} named *${suffix}, found ${hits.length}`);
  return hits[0]!;
}

/** The containers and pod spec of a workload (Deployment, StatefulSet or Job). */
export function podSpec(workload: K8sObject): any {
  return workload.spec.template.spec;
}
