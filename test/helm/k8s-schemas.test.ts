import { beforeAll, describe, expect, it } from "vitest";
import { CI_VALUES, type K8sObject, render } from "./chart.ts";
import { schemaProblems, unknownFieldProblems } from "./k8s-models.ts";

/**
 * Every object the chart renders, for every CI values file, is a valid Kubernetes object: it passes the
 * OpenAPI schema of its kind (kubernetes-models, prometheus-operator models for the monitoring CRDs) and has
 * no field the Kubernetes types lack, which the API server would otherwise drop without a word.
 */
describe("rendered objects against the Kubernetes schemas", () => {
  const rendered = new Map<string, K8sObject[]>();
  beforeAll(() => {
    for (const file of CI_VALUES) rendered.set(file, render({ values: [`ci/${file}`] }));
  });

  it.each(CI_VALUES)("ci/%s: every object passes its kind's schema", (file) => {
    const objects = rendered.get(file)!;
    expect(objects.length).toBeGreaterThan(5);
    const problems = objects.flatMap((o) => schemaProblems(o).map((p) => `${o.kind}/${o.metadata.name}: ${p}`));
    expect(problems).toEqual([]);
  });

  it("all CI values files together: no unknown or mistyped fields", () => {
    const all = [...rendered.values()].flat();
    expect(unknownFieldProblems(all)).toEqual([]);
  });

  it("the checks catch what they are meant to catch", () => {
    const deployment = rendered.get("default-values.yaml")!.find((o) => o.kind === "Deployment")!;
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].readinesProbe = { httpGet: { path: "/readyz", port: "http" } };
    const mistyped = structuredClone(deployment);
    mistyped.spec.template.spec.containers[0].ports[0].containerPort = "eighty";
    const [unknown, wrongType] = [unknownFieldProblems([broken]), unknownFieldProblems([mistyped])];
    expect(unknown.join("\n")).toMatch(/readinesProbe.* does not exist in type 'IContainer'/);
    expect(wrongType.join("\n")).toMatch(/'string' is not assignable to type 'number'/);
    const missing = structuredClone(deployment);
    delete missing.spec.selector;
    expect(schemaProblems(missing).join("\n")).toMatch(/selector/);
    expect(schemaProblems({ ...deployment, apiVersion: "apps/v1beta1" })[0]).toMatch(/has no model/);
  });
});
