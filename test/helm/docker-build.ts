import { execFileSync, execSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, join, posix } from "node:path";
import { REPO_ROOT } from "../harness/index.ts";

/** One Dockerfile instruction, continuation lines joined. */
export interface Instruction {
  readonly op: string;
  readonly args: string;
}

/** What a simulated build leaves: the image's filesystem in a folder plus its configuration. */
export interface SimulatedImage {
  /** Host folder standing for the image's `/`. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string;
  cmd: string[];
  exposed: number[];
}

/** Parses a Dockerfile into instructions (comments and parser directives dropped). */
export function parseDockerfile(text: string): Instruction[] {
  const lines = text.replace(/\\\n/g, " ").split("\n");
  return lines
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(" ") };
    });
}

/** `.dockerignore` as a predicate over context-relative paths: the last matching pattern wins, `!` re-includes. */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const negate = l.startsWith("!");
      const glob = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, "");
      const source = glob
        .split("/")
        .map((part) =>
          part === "**"
            ? "(?:.*)"
            : part
                .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                .replace(/\*/g, "[^/]*")
                .replace(/\?/g, "[^/]"),
        )
        .join("/")
        .replace(/\(\?:\.\*\)\//g, "(?:.*/)?");
      // A pattern matching a folder excludes everything below it.
      return { negate, re: new RegExp(`^${source}(?:/.*)?$`) };
    });
  return (path) => {
    let excluded = false;
    for (const r of rules) if (r.re.test(path)) excluded = !r.negate;
    return !excluded;
  };
}

/** Context files under `rel` that the build would see. */
function contextFiles(rel: string, keep: (p: string) => boolean): string[] {
  const abs = join(REPO_ROOT, rel);
  if (!statSync(abs).isDirectory()) return keep(rel) ? [rel] : [];
  return readdirSync(abs).flatMap((name) => {
    const child = posix.join(rel, name);
    // node_modules is excluded wholesale; not descending saves walking thousands of files.
    if (name === "node_modules" || name === ".git") return [];
    return contextFiles(child, keep);
  });
}

/**
 * Builds targets of the repository's Dockerfile without Docker: each stage is a folder standing for its
 * filesystem (the Node base image's own files are not there; the host's Node 22 runs in their place), COPY
 * honours .dockerignore and `--from`, and RUN runs on the host inside the stage folder, with absolute paths
 * re-rooted into it. What it proves: the COPY sources exist, the dependency install of each workspace works
 * with dev dependencies omitted, and the result has every file the CMD and the chart's commands need.
 */
export function simulateBuild(targets: string[], into: string): Map<string, SimulatedImage> {
  const keep = dockerignore(readFileSync(join(REPO_ROOT, ".dockerignore"), "utf8"));
  const instructions = parseDockerfile(readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8"));
  const needed = neededStages(instructions, targets);
  const stages = new Map<string, SimulatedImage>();
  let cur: SimulatedImage | null = null;
  let skip = false;
  const at = (p: string) => join(cur!.root, posix.resolve(cur!.workdir, p));
  for (const { op, args } of instructions) {
    if (op === "ARG") continue;
    if (op === "FROM") {
      const name = stageName(args, stages.size);
      // Like BuildKit, build only the stages the targets depend on.
      skip = !needed.has(name);
      cur = { root: join(into, name), workdir: "/", env: {}, user: "root", cmd: [], exposed: [] };
      mkdirSync(cur.root, { recursive: true });
      stages.set(name, cur);
      continue;
    }
    if (!cur) throw new Error(`${op} before FROM`);
    if (skip) continue;
    if (op === "WORKDIR") {
      cur.workdir = posix.resolve(cur.workdir, args);
      mkdirSync(at("."), { recursive: true });
    } else if (op === "ENV") {
      for (const m of args.matchAll(/(\w+)=(\S+)/g)) cur.env[m[1]!] = m[2]!;
    } else if (op === "USER") cur.user = args;
    else if (op === "EXPOSE") cur.exposed.push(...args.split(/\s+/).map(Number));
    else if (op === "CMD") cur.cmd = JSON.parse(args);
    else if (op === "HEALTHCHECK") continue;
    else if (op === "RUN") {
      const command = args.replace(/(^|\s)\//g, `$1${cur.root}/`);
      // The test runner's NODE_ENV must not leak into npm; the stage's own ENV applies.
      const { NODE_ENV: _, ...hostEnv } = process.env;
      execSync(command, { cwd: at("."), stdio: "pipe", env: { ...hostEnv, ...cur.env } });
    } else if (op === "COPY") copy(args, stages, keep, at);
    else throw new Error(`the simulation does not know Dockerfile instruction ${op}`);
  }
  const images = new Map<string, SimulatedImage>();
  for (const t of targets) {
    const image = stages.get(t);
    if (!image) throw new Error(`Dockerfile has no stage ${t}`);
    images.set(t, image);
  }
  return images;
}

function stageName(fromArgs: string, index: number): string {
  return /\s+AS\s+(\S+)$/i.exec(fromArgs)?.[1] ?? `stage-${index}`;
}

/** The targets and every stage they copy from, transitively. */
function neededStages(instructions: Instruction[], targets: string[]): Set<string> {
  const deps = new Map<string, string[]>();
  let name = "";
  for (const { op, args } of instructions) {
    if (op === "FROM") {
      name = stageName(args, deps.size);
      deps.set(name, []);
    } else if (op === "COPY") {
      const from = /--from=(\S+)/.exec(args)?.[1];
      if (from) deps.get(name)!.push(from);
    }
  }
  const needed = new Set<string>();
  const visit = (s: string) => {
    if (needed.has(s)) return;
    needed.add(s);
    for (const d of deps.get(s) ?? []) visit(d);
  };
  for (const t of targets) visit(t);
  return needed;
}

/** COPY from the build context (through .dockerignore) or, with --from, from an earlier stage. */
function copy(
  args: string,
  stages: Map<string, SimulatedImage>,
  keep: (p: string) => boolean,
  at: (p: string) => string,
): void {
  const words = args.split(/\s+/);
  const from = words.find((w) => w.startsWith("--from="))?.slice(7);
  const paths = words.filter((w) => !w.startsWith("--"));
  const dest = paths.pop()!;
  const intoDir = dest.endsWith("/") || paths.length > 1;
  for (const src of paths) {
    if (from) {
      const stage = stages.get(from);
      if (!stage) throw new Error(`COPY --from=${from}: no such stage`);
      // Hard links instead of copies: the same bytes, without copying node_modules file by file. Nothing
      // writes to these files afterwards except COPY from the context, which replaces them.
      mkdirSync(at(dest), { recursive: true });
      execFileSync("cp", ["-al", `${join(stage.root, src)}/.`, at(dest)]);
      continue;
    }
    if (!existsSync(join(REPO_ROOT, src))) throw new Error(`COPY source ${src} does not exist`);
    const isDir = statSync(join(REPO_ROOT, src)).isDirectory();
    for (const file of contextFiles(src, keep)) {
      const rel = isDir ? posix.relative(src, file) : intoDir ? basename(file) : "";
      const target = rel === "" ? at(dest) : join(at(dest), rel);
      // Replace rather than write through: the target may be a hard link into an earlier stage.
      rmSync(target, { force: true });
      cpSync(join(REPO_ROOT, file), target);
    }
  }
}
