import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../harness/index.ts";
import { dockerignore, parseDockerfile } from "./docker-build.ts";

const instructions = parseDockerfile(readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8"));
const keep = dockerignore(readFileSync(join(REPO_ROOT, ".dockerignore"), "utf8"));

/** The instructions of one stage, from its FROM to the next. */
function stage(name: string) {
  const start = instructions.findIndex((i) => i.op === "FROM" && i.args.endsWith(` AS ${name}`));
  if (start < 0) throw new Error(`no stage ${name}`);
  const end = instructions.findIndex((i, n) => n > start && i.op === "FROM");
  return instructions.slice(start + 1, end < 0 ? undefined : end);
}

/**
 * Static checks of the Dockerfile that need no Docker engine (the contract test builds the images in a
 * simulation and runs them): Node 22 base, production dependencies only, numeric non-root user, commands
 * that exist, and a build context that carries sources but no tests, secrets or local data.
 */
describe("Dockerfile and .dockerignore", () => {
  it("builds both planes on a Node 22 base", () => {
    const base = instructions.find((i) => i.op === "ARG" && i.args.startsWith("NODE_IMAGE="));
    expect(base?.args).toMatch(/^NODE_IMAGE=node:22[-.]/);
    expect(instructions.filter((i) => i.op === "FROM").every((i) => /^\$\{NODE_IMAGE\} AS /.test(i.args))).toBe(true);
  });

  it.each(["control-plane", "data-plane"])("%s: installs production dependencies of its workspace only", (app) => {
    const runs = stage(`${app}-deps`).filter((i) => i.op === "RUN");
    expect(runs.map((r) => r.args)).toEqual([
      expect.stringMatching(new RegExp(`^npm ci --omit=dev .*--workspace apps/${app}$`)),
    ]);
    const runtime = stage(app);
    expect(runtime.some((i) => i.op === "COPY" && i.args === `--from=${app}-deps /app ./`)).toBe(true);
    expect(runtime.some((i) => /npm (ci|install)/.test(i.args))).toBe(false);
  });

  it.each(["control-plane", "data-plane"])("%s: runs as a numeric non-root user a command that exists", (app) => {
    const runtime = stage(app);
    const user = runtime.filter((i) => i.op === "USER").at(-1)?.args ?? "root";
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    const cmd: string[] = JSON.parse(runtime.find((i) => i.op === "CMD")!.args);
    expect(cmd[0]).toBe("node");
    expect(cmd[1]).toBe(`/app/apps/${app}/src/main.ts`);
    expect(existsSync(join(REPO_ROOT, cmd[1]!.replace(/^\/app\//, "")))).toBe(true);
    expect(runtime.find((i) => i.op === "WORKDIR")?.args).toBe("/app");
  });

  it("copies only sources that exist and that the context keeps", () => {
    for (const copy of instructions.filter((i) => i.op === "COPY" && !i.args.startsWith("--from"))) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const src of sources) {
        expect(existsSync(join(REPO_ROOT, src)), src).toBe(true);
        expect(keep(src), `${src} is excluded by .dockerignore`).toBe(true);
      }
    }
    expect(existsSync(join(REPO_ROOT, "apps/control-plane/src/migrate.ts"))).toBe(true);
  });

  it("keeps tests, local data, node_modules and deployment files out of the build context", () => {
    for (const path of [
      "node_modules/zod/package.json",
      "packages/db/node_modules/x",
      "apps/data-plane/src/app.test.ts",
      "apps/data-plane/src/testing/serve-app.ts",
      "packages/db/src/test-suite/index.ts",
      ".data/master-key",
      "apps/control-plane/.data/x",
      "test/e2e/foundation.test.ts",
      "helm/switchyard/values.yaml",
      ".git/config",
    ]) {
      expect(keep(path), path).toBe(false);
    }
    for (const path of ["package.json", "package-lock.json", "test/package.json", "apps/data-plane/src/main.ts"]) {
      expect(keep(path), path).toBe(true);
    }
  });
});
