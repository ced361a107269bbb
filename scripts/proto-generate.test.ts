import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GENERATED_DIR, generateProto, REPO_ROOT } from "./proto-generate.ts";

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

// Generated code is committed so that no build step is needed; this keeps it from drifting from the .proto.
describe("proto:generate", () => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), "switchyard-proto-"));
    await generateProto(base);
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it("committed generated code matches a fresh generation (run `npm run proto:generate`)", async () => {
    const fresh = join(base, GENERATED_DIR);
    const committed = join(REPO_ROOT, GENERATED_DIR);
    const freshFiles = await listFiles(fresh);
    expect(freshFiles.length).toBeGreaterThan(0);
    expect(await listFiles(committed)).toEqual(freshFiles);
    for (const file of freshFiles) {
      const [a, b] = await Promise.all([readFile(join(committed, file), "utf8"), readFile(join(fresh, file), "utf8")]);
      expect(a, `${file} is stale`).toBe(b);
    }
  });
});
