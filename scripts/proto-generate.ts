import { execFile } from "node:child_process";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository root, where buf.yaml and buf.gen.yaml live. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Where buf.gen.yaml writes generated code, relative to the output base. */
export const GENERATED_DIR = join("packages", "proto", "src", "gen");

/**
 * Runs `buf lint` then `buf generate` from the repository root; code is never generated from a contract that
 * breaks the lint rules in buf.yaml (including a comment on every message and field). The plugin in buf.gen.yaml is the local protoc-gen-es,
 * so node_modules/.bin goes first on PATH: the versions come from package-lock.json, not from whatever
 * happens to be installed on the machine. `outputBase` prefixes every `out` of the template, which lets
 * the freshness test generate into a temporary directory instead of over the committed files.
 */
export async function generateProto(outputBase: string = REPO_ROOT): Promise<void> {
  const bin = join(REPO_ROOT, "node_modules", ".bin");
  const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` };
  await run(join(bin, "buf"), ["lint"], { cwd: REPO_ROOT, env });
  await run(join(bin, "buf"), ["generate", "--output", outputBase], { cwd: REPO_ROOT, env });
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  generateProto().then(
    () => console.log(`generated ${GENERATED_DIR}`),
    (e: unknown) => {
      // buf prints lint findings on stdout and other failures on stderr; show both.
      const { stdout = "", stderr = "" } = e as { stdout?: string; stderr?: string };
      console.error(`${stdout}${stderr}`.trim() || (e instanceof Error ? e.message : String(e)));
      process.exitCode = 1;
    },
  );
}
