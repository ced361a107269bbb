import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const doc = readFileSync(join(ROOT, "docs/providers.md"), "utf8");

/** T-number -> [file, test name], from the list at the end of the document. */
const tests = new Map<string, [string, string]>();
for (const m of doc.matchAll(/^- (T\d+): `([^`]+)` › (.+)$/gm))
  tests.set(m[1] as string, [m[2] as string, (m[3] as string).trim()]);

/** The body cells of every table (header and separator rows left out). */
function cells(): { row: string; cell: string }[] {
  const out: { row: string; cell: string }[] = [];
  const lines = doc.split("\n").filter((l) => l.startsWith("|"));
  for (const [i, line] of lines.entries()) {
    const parts = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    const next = lines[i + 1] ?? "";
    if (/^\|[-| ]+\|$/.test(line) || /^\|[-| ]+\|$/.test(next)) continue;
    for (const cell of parts.slice(1)) out.push({ row: parts[0] ?? "", cell });
  }
  return out;
}

describe("docs/providers.md", () => {
  it("backs every table cell with at least one listed test", () => {
    const all = cells();
    expect(all.length).toBeGreaterThan(150);
    for (const { row, cell } of all) {
      const refs = [...cell.matchAll(/\[(T\d+)\]/g)].map((m) => m[1] as string);
      expect(refs.length, `"${row}": cell "${cell}" names no test`).toBeGreaterThan(0);
      for (const r of refs) expect(tests.has(r), `"${row}": ${r} is not in the test list`).toBe(true);
    }
  });

  it("lists only tests that exist under the names given", () => {
    expect(tests.size).toBeGreaterThan(40);
    for (const [id, [file, name]] of tests) {
      const path = join(ROOT, file);
      expect(existsSync(path), `${id}: ${file} does not exist`).toBe(true);
      const source = readFileSync(path, "utf8").replace(/\s+/g, " ");
      expect(
        source.includes(`it("${name}"`) || source.includes(`it('${name}'`),
        `${id}: no test named "${name}" in ${file}`,
      ).toBe(true);
    }
  });
});
