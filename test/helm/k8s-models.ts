import { join } from "node:path";
import * as certManager from "@kubernetes-models/cert-manager/cert-manager.io/v1";
import * as monitoring from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as autoscaling from "kubernetes-models/autoscaling/v2";
import * as batch from "kubernetes-models/batch/v1";
import * as networking from "kubernetes-models/networking.k8s.io/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as core from "kubernetes-models/v1";
import ts from "typescript";
import { REPO_ROOT } from "../harness/index.ts";
import type { K8sObject } from "./chart.ts";

/** Where each API group's models come from; a rendered apiVersion missing here fails the validation. */
const GROUPS: Record<string, { module: string; models: Record<string, unknown> }> = {
  v1: { module: "kubernetes-models/v1", models: core },
  "apps/v1": { module: "kubernetes-models/apps/v1", models: apps },
  "batch/v1": { module: "kubernetes-models/batch/v1", models: batch },
  "policy/v1": { module: "kubernetes-models/policy/v1", models: policy },
  "autoscaling/v2": { module: "kubernetes-models/autoscaling/v2", models: autoscaling },
  "networking.k8s.io/v1": { module: "kubernetes-models/networking.k8s.io/v1", models: networking },
  "cert-manager.io/v1": { module: "@kubernetes-models/cert-manager/cert-manager.io/v1", models: certManager },
  "monitoring.coreos.com/v1": {
    module: "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
    models: monitoring,
  },
};

type ModelClass = new (data: unknown) => { validate(): void };

/**
 * Validates one object against the Kubernetes OpenAPI schema (required fields, types, enums, formats) with
 * kubernetes-models. Returns the problems found, empty when the object is valid.
 */
export function schemaProblems(o: K8sObject): string[] {
  const group = GROUPS[o.apiVersion];
  const Model = group?.models[o.kind] as ModelClass | undefined;
  if (!Model) return [`${o.apiVersion} ${o.kind} has no model: unknown to Kubernetes or to this test`];
  try {
    new Model(o).validate();
    return [];
  } catch (e) {
    const details = (e as { errors?: { instancePath: string; message: string }[] }).errors;
    return details?.map((d) => `${d.instancePath} ${d.message}`) ?? [(e as Error).message];
  }
}

/**
 * Unknown fields, which the JSON schemas above accept (they allow additional properties) and the API server
 * drops silently, so a misspelt `readinessProbe` would go unnoticed. Each object becomes an object literal
 * typed with its model's interface; TypeScript's excess-property and type checks then report every field the
 * Kubernetes types do not have, at any depth. Returns "<object>: <message>" lines.
 */
export function unknownFieldProblems(objects: K8sObject[]): string[] {
  const file = join(REPO_ROOT, "test", "helm", "__rendered-objects__.ts");
  // Objects without a model are reported by schemaProblems; one line per object maps a diagnostic back to it.
  const typed = objects.filter((o) => GROUPS[o.apiVersion]);
  const imports = typed.map(
    (o, i) => `import type { I${o.kind} as T${i} } from "${GROUPS[o.apiVersion]!.module}/${o.kind}";`,
  );
  const decls = typed.map((o, i) => `export const o${i}: T${i} = ${JSON.stringify(o)};`);
  const source = `${imports.join("\n")}\n${decls.join("\n")}\n`;
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    name === file ? ts.createSourceFile(name, source, lang) : read(name, lang, ...rest);
  const exists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || exists(name);
  const program = ts.createProgram([file], options, host);
  const sf = program.getSourceFile(file)!;
  return ts.getPreEmitDiagnostics(program, sf).map((d) => {
    const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line;
    const index = line - imports.length;
    const o = typed[index];
    const what = o ? `${o.kind}/${o.metadata.name}` : "imports";
    return `${what}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
  });
}
