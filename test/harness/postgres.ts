import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./free-port.ts";

/** A PostgreSQL server this harness started; `stop()` kills it and removes its data. */
export interface PostgresInstance {
  readonly url: string;
  readonly port: number;
  /** Stops the server immediately (fast shutdown), keeping the data folder so `start()` can bring it back. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data after `kill()`. */
  start(): Promise<void>;
  /** Stops the server and removes its data folder. */
  stop(): Promise<void>;
  /** The running server's main process (from `postmaster.pid`); its backends are forked from it. */
  pid(): number;
}

function pgBinDir(): string {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql");
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error("no pg_ctl under /usr/lib/postgresql/*/bin");
  return join(base, versions[0], "bin");
}

const isRoot = process.getuid?.() === 0;

function runAsPg(cmd: string, args: string[]): void {
  const full = isRoot ? ["-u", "postgres", "--", cmd, ...args] : args;
  const res = spawnSync(isRoot ? "runuser" : cmd, full, { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`${cmd} failed: ${res.stderr || res.stdout}`);
}

/**
 * Starts a throwaway PostgreSQL (initdb in a temp folder, trust auth, 127.0.0.1 on a free port).
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
 */
export async function startPostgres(): Promise<PostgresInstance> {
  const bin = pgBinDir();
  const dir = mkdtempSync(join(tmpdir(), "switchyard-pg-"));
  if (isRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  runAsPg(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const start = async (): Promise<void> => {
    runAsPg(join(bin, "pg_ctl"), [
      "-D",
      data,
      "-w",
      "-t",
      "60",
      "-l",
      join(dir, "log"),
      "-o",
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
      "start",
    ]);
  };
  await start();
  const admin = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
  await admin.connect();
  await admin.query("CREATE DATABASE switchyard");
  await admin.end();
  const kill = async (): Promise<void> => {
    runAsPg(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/switchyard`,
    port,
    kill,
    start,
    pid: () => Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]),
    async stop() {
      try {
        await kill();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates an empty database on a running instance and returns its URL, so test files stay isolated. */
export async function createDatabase(instance: { port: number }, name: string): Promise<string> {
  const admin = new pg.Client({ host: "127.0.0.1", port: instance.port, user: "postgres", database: "postgres" });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name.replace(/"/g, "")}"`);
  await admin.end();
  return `postgres://postgres@127.0.0.1:${instance.port}/${name}`;
}
