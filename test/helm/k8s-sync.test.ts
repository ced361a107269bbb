import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../harness/index.ts";
import { runHelm, templateArgs } from "./chart.ts";

/** The plain manifests for users without Helm, and how they are made. */
const MANIFESTS = join(REPO_ROOT, "k8s", "switchyard.yaml");
const HEADER =
  "# Rendered from helm/switchyard with its default values (release switchyard, namespace switchyard).\n" +
  "# Do not edit: regenerate with `UPDATE_K8S=1 npx vitest run test/helm/k8s-sync.test.ts`.\n";

/**
 * k8s/switchyard.yaml is exactly a fresh render of the chart with default values, so users without Helm get
 * what Helm users get. UPDATE_K8S=1 rewrites it instead of comparing.
 */
describe("k8s/ manifests", () => {
  it("equal a fresh render of the chart with default values", () => {
    const fresh = HEADER + runHelm(templateArgs({ release: "switchyard", namespace: "switchyard" }));
    if (process.env.UPDATE_K8S === "1") writeFileSync(MANIFESTS, fresh);
    expect(readFileSync(MANIFESTS, "utf8"), "k8s/switchyard.yaml is stale; see its header to regenerate").toBe(fresh);
  });
});
