import { describe, expect, it } from "vitest";
import { CHART_DIR, CI_VALUES, helm, render, runHelm, templateArgs } from "./chart.ts";

/** Runs `helm template` and returns helm's error text, or null when the render succeeded. */
function renderError(set: Record<string, string>, setJson: Record<string, string> = {}): string | null {
  const args = templateArgs({ set });
  for (const [k, v] of Object.entries(setJson)) args.push("--set-json", `${k}=${v}`);
  try {
    runHelm(args);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * The chart passes `helm lint --strict` with every CI values file, and values.schema.json plus the templates'
 * own checks turn mistakes a platform engineer makes in values.yaml into errors instead of silent defaults.
 */
describe("helm lint and values schema", () => {
  it("finds the helm binary (from PATH or fetched into the cache)", () => {
    expect(runHelm(["version", "--short"])).toMatch(/^v\d+\.\d+/);
    expect(helm()).toBeTruthy();
  });

  it("has the CI values files the issue names", () => {
    for (const f of ["default-values.yaml", "production-values.yaml", "minimal-values.yaml"]) {
      expect(CI_VALUES).toContain(f);
    }
  });

  it.each(CI_VALUES)("lints strictly with ci/%s", (file) => {
    const out = runHelm(["lint", "--strict", CHART_DIR, "-f", `${CHART_DIR}/ci/${file}`]);
    expect(out).toContain("0 chart(s) failed");
  });

  it("rejects unknown keys at every level", () => {
    expect(renderError({ replicas: "2" })).toMatch(/additional properties 'replicas' not allowed/);
    expect(renderError({ "dataPlane.replicas": "2" })).toMatch(/additional properties 'replicas' not allowed/);
    expect(renderError({ "dataPlane.config.maxBodyBytes": "1" })).toMatch(/not allowed/);
    expect(renderError({ "secrets.adminToken.name": "x" })).toMatch(/not allowed/);
  });

  it("rejects wrong types and out-of-range values", () => {
    expect(renderError({ "dataPlane.replicaCount": "two" })).toMatch(/replicaCount/);
    expect(renderError({ "controlPlane.ports.grpc": "70000" })).toMatch(/grpc/);
    expect(renderError({ "dataPlane.config.logLevel": "verbose" })).toMatch(/logLevel/);
    expect(renderError({ "dataPlane.config.maxRequestBodyBytes": "10" })).toMatch(/maxRequestBodyBytes/);
    expect(renderError({ "networkPolicy.enabled": "yes" })).toMatch(/networkPolicy\/enabled/);
    expect(renderError({}, { "ingress.dataPlane.hosts": '[{"host":"a.example.com","paths":["v1"]}]' })).toMatch(
      /paths/,
    );
  });

  it("refuses a PodDisruptionBudget that could block a drain", () => {
    expect(renderError({ "dataPlane.pdb.maxUnavailable": "0" })).toMatch(/maxUnavailable/);
    expect(renderError({}, { "controlPlane.pdb.maxUnavailable": '"0%"' })).toMatch(/maxUnavailable/);
    expect(renderError({}, { "dataPlane.pdb": '{"enabled":true,"minAvailable":2}' })).toMatch(/minAvailable/);
  });

  it("refuses a termination grace shorter than preStop plus the app's shutdown grace", () => {
    expect(renderError({ "dataPlane.terminationGracePeriodSeconds": "20" })).toMatch(
      /dataPlane.terminationGracePeriodSeconds must be at least 31/,
    );
    expect(renderError({ "dataPlane.terminationGracePeriodSeconds": "31" })).toBeNull();
  });

  it("names the missing secret source instead of rendering a pod that cannot start", () => {
    expect(renderError({ "secrets.existingSecret": "", "postgresql.enabled": "false" })).toMatch(
      /secrets\.\w+: set its value or existingSecret, or secrets\.existingSecret/,
    );
  });

  it("refuses an autoscaler without a target", () => {
    expect(
      renderError(
        { "dataPlane.autoscaling.enabled": "true" },
        { "dataPlane.autoscaling.targetCPUUtilizationPercentage": "null" },
      ),
    ).toMatch(/needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage/);
  });

  it("generates no secret material: two renders are byte-identical", () => {
    for (const file of CI_VALUES) {
      const a = JSON.stringify(render({ values: [`ci/${file}`] }));
      const b = JSON.stringify(render({ values: [`ci/${file}`] }));
      expect(a, file).toBe(b);
    }
  });
});
