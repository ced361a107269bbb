import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** Secrets and paths local mode keeps in its data folder, generated on first start. */
export interface LocalFiles {
  dataDir: string;
  pgliteDir: string;
  masterKey: string;
  adminToken: string;
  nodeToken: string;
  /** Where the seeded consumer's API key is kept, so `npm start` can print a working curl every time. */
  apiKeyFile: string;
}

function readOrCreate(path: string, make: () => string): string {
  if (existsSync(path)) return readFileSync(path, "utf8").trim();
  const value = make();
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return value;
}

/**
 * Prepares local mode's data folder: the embedded database's directory and generated secrets (master key,
 * admin and node tokens), each in a file readable only by the owner. Values given in the environment win.
 */
export function prepareLocalFiles(
  dataDir: string,
  given: { masterKey?: string; adminToken?: string; nodeToken?: string },
): LocalFiles {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const token = () => randomBytes(24).toString("base64url");
  return {
    dataDir: dir,
    pgliteDir: join(dir, "pglite"),
    masterKey: given.masterKey ?? readOrCreate(join(dir, "master.key"), () => randomBytes(32).toString("hex")),
    adminToken: given.adminToken ?? readOrCreate(join(dir, "admin-token"), token),
    nodeToken: given.nodeToken ?? readOrCreate(join(dir, "node-token"), token),
    apiKeyFile: join(dir, "local-api-key"),
  };
}
