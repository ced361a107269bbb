import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../harness/index.ts";

/** One row of the README's configuration reference. */
export interface EnvVarDoc {
  readonly name: string;
  /** The default column as written, without backticks (e.g. "8081", "required¹"). */
  readonly defaultText: string;
}

/**
 * The environment variables the README documents for one plane ("Control plane" or "Data plane"), read from
 * the tables under "## Configuration reference". The chart may set only these names, so a renamed variable
 * fails the chart tests instead of being ignored by the app.
 */
export function readmeEnv(plane: "Control plane" | "Data plane"): Map<string, EnvVarDoc> {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`### ${plane}\n`);
  if (start < 0) throw new Error(`README.md has no "### ${plane}" section`);
  const rest = readme.slice(start + plane.length + 5);
  const end = rest.search(/\n#{2,3} /);
  const section = end < 0 ? rest : rest.slice(0, end);
  const vars = new Map<string, EnvVarDoc>();
  for (const line of section.split("\n")) {
    // A row may document a pair: "| `A_MS` / `B_MS` | `10000` / `5000` | ...".
    const cells = line.split("|").map((c) => c.trim());
    if (!line.startsWith("| `") || cells.length < 4) continue;
    const names = [...cells[1]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!);
    const defaults = cells[2]!.split(" / ");
    names.forEach((name, i) => {
      const text = (names.length > 1 && defaults.length === names.length ? defaults[i]! : cells[2]!).replace(/`/g, "");
      vars.set(name, { name, defaultText: text.trim() });
    });
  }
  if (vars.size === 0) throw new Error(`README.md "### ${plane}" has no variable table`);
  return vars;
}

/** The documented numeric default of a variable, e.g. 8081 for ADMIN_PORT. */
export function readmeDefault(plane: "Control plane" | "Data plane", name: string): number {
  const doc = readmeEnv(plane).get(name);
  const n = Number(/^\d+/.exec(doc?.defaultText ?? "")?.[0]);
  if (!doc || !Number.isFinite(n)) throw new Error(`README.md documents no numeric default for ${name}`);
  return n;
}
