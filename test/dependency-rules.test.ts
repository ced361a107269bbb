import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./harness/index.ts";

/** Every import specifier of every TypeScript source file under `dir`, tests included. */
function importsUnder(dir: string): { file: string; spec: string }[] {
  const out: { file: string; spec: string }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      if (name === "node_modules" || name === "gen") continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".ts")) {
        const text = readFileSync(p, "utf8");
        for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+["']([^"']+)["']/g)) {
          out.push({ file: relative(REPO_ROOT, p), spec: m[1] as string });
        }
        for (const m of text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) {
          out.push({ file: relative(REPO_ROOT, p), spec: m[1] as string });
        }
      }
    }
  };
  walk(join(REPO_ROOT, dir));
  return out;
}

const pkgName = (spec: string) => (spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]);
const violations = (dir: string, banned: (spec: string) => boolean) =>
  importsUnder(dir)
    .filter((i) => banned(i.spec))
    .map((i) => `${i.file}: ${i.spec}`);

const packages = readdirSync(join(REPO_ROOT, "packages"));
const apps = readdirSync(join(REPO_ROOT, "apps"));

describe("dependency rules", () => {
  it("the data plane never imports the database", () => {
    const db = ["kysely", "pg", "@electric-sql/pglite", "@switchyard/db"];
    expect(violations("apps/data-plane", (s) => db.includes(pkgName(s) as string))).toEqual([]);
  });

  it("policy is pure: no node:*, no IO libraries (its tests may use vitest)", () => {
    const allowed = ["zod", "@switchyard/errors"];
    const found = importsUnder("packages/policy").filter(
      (i) =>
        !i.spec.startsWith(".") &&
        !allowed.includes(pkgName(i.spec) as string) &&
        !(i.file.endsWith(".test.ts") && i.spec === "vitest"),
    );
    expect(found.map((i) => `${i.file}: ${i.spec}`)).toEqual([]);
  });

  it("only db imports kysely/pg/pglite; only the control plane imports db", () => {
    const dbLibs = ["kysely", "pg", "@electric-sql/pglite"];
    for (const p of packages.filter((p) => p !== "db")) {
      expect(violations(`packages/${p}`, (s) => dbLibs.includes(pkgName(s) as string))).toEqual([]);
      expect(violations(`packages/${p}`, (s) => pkgName(s) === "@switchyard/db")).toEqual([]);
    }
    for (const a of apps.filter((a) => a !== "control-plane")) {
      expect(violations(`apps/${a}`, (s) => pkgName(s) === "@switchyard/db")).toEqual([]);
    }
    for (const a of apps) expect(violations(`apps/${a}`, (s) => dbLibs.includes(pkgName(s) as string))).toEqual([]);
  });

  it("only ratelimit and usage import ioredis; only the data plane imports ratelimit", () => {
    for (const p of packages.filter((p) => p !== "ratelimit" && p !== "usage")) {
      expect(violations(`packages/${p}`, (s) => pkgName(s) === "ioredis")).toEqual([]);
    }
    for (const a of apps) expect(violations(`apps/${a}`, (s) => pkgName(s) === "ioredis")).toEqual([]);
    // The control plane reaches Redis too (usage consumer, limit counters), through the shared connection
    // settings and the read-only inspection entry; never the limiter itself.
    const controlPlaneEntries = ["@switchyard/ratelimit/connection", "@switchyard/ratelimit/inspect"];
    expect(
      violations(
        "apps/control-plane",
        (s) => pkgName(s) === "@switchyard/ratelimit" && !controlPlaneEntries.includes(s),
      ),
    ).toEqual([]);
  });

  it("the data plane uses the usage producer, the control plane the consumer", () => {
    expect(violations("apps/data-plane", (s) => s === "@switchyard/usage/consumer")).toEqual([]);
    expect(violations("apps/control-plane", (s) => s === "@switchyard/usage/producer")).toEqual([]);
  });

  it("grpc-js only in proto and config-sync; generated types stop at config-sync", () => {
    for (const p of packages.filter((p) => p !== "proto" && p !== "config-sync")) {
      expect(violations(`packages/${p}`, (s) => pkgName(s) === "@grpc/grpc-js")).toEqual([]);
      expect(violations(`packages/${p}`, (s) => pkgName(s) === "@switchyard/proto")).toEqual([]);
    }
    for (const a of apps) {
      expect(
        violations(`apps/${a}`, (s) => pkgName(s) === "@grpc/grpc-js" || pkgName(s) === "@switchyard/proto"),
      ).toEqual([]);
    }
  });

  it("apps never import apps, and nothing imports past a package's exports", () => {
    const all = [...packages.map((p) => `packages/${p}`), ...apps.map((a) => `apps/${a}`), "test"];
    for (const dir of all) {
      expect(violations(dir, (s) => /^@switchyard\/(control-plane|data-plane)/.test(s))).toEqual([]);
      expect(violations(dir, (s) => /^@switchyard\/[^/]+\/src\//.test(s))).toEqual([]);
      expect(
        violations(dir, (s) => /(^|\/)\.\.\/(\.\.\/)*(apps|packages)\//.test(s) && !dir.startsWith("test")),
      ).toEqual([]);
    }
  });

  it("every workspace import is a declared dependency", () => {
    for (const dir of [...packages.map((p) => `packages/${p}`), ...apps.map((a) => `apps/${a}`)]) {
      const manifest = JSON.parse(readFileSync(join(REPO_ROOT, dir, "package.json"), "utf8"));
      const declared = new Set([
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.devDependencies ?? {}),
        manifest.name,
      ]);
      const undeclared = violations(
        dir,
        (s) => s.startsWith("@switchyard/") && !declared.has(pkgName(s) as string) && !s.startsWith("@switchyard/test"),
      ).filter((v) => !v.includes(".test.ts:"));
      expect(undeclared).toEqual([]);
    }
  });
});
