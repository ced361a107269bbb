import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";
import { redisCommand } from "./redis-command.ts";

/** A Redis Sentinel this harness started, watching one master. */
export interface RedisSentinelInstance {
  readonly host: string;
  readonly port: number;
  /** The name the master is monitored under. */
  readonly masterName: string;
  /** Stops the Sentinel and removes its folder. */
  stop(): Promise<void>;
}

/** What the Sentinel watches and how quickly it acts. */
export interface RedisSentinelOptions {
  /** Port of the master on 127.0.0.1. */
  readonly masterPort: number;
  /** Defaults to "switchyard". */
  readonly masterName?: string;
  /** The master's password (`sentinel auth-pass`), when it has one. */
  readonly masterPassword?: string;
  /** The Sentinel's own password (`requirepass`). */
  readonly password?: string;
  /** `down-after-milliseconds`; defaults to 1 000 so failover tests stay short. */
  readonly downAfterMs?: number;
}

/**
 * Starts `redis-server --sentinel` on a free loopback port with a generated config (quorum 1, so this one
 * Sentinel can fail the master over), and waits until it reports the master. Sentinel rewrites its config
 * file, so it lives in a temp folder.
 */
export async function startRedisSentinel(opts: RedisSentinelOptions): Promise<RedisSentinelInstance> {
  const port = await freePort();
  const name = opts.masterName ?? "switchyard";
  const dir = mkdtempSync(join(tmpdir(), "switchyard-sentinel-"));
  const conf = join(dir, "sentinel.conf");
  const lines = [
    `port ${port}`,
    "bind 127.0.0.1",
    `dir ${dir}`,
    `sentinel monitor ${name} 127.0.0.1 ${opts.masterPort} 1`,
    `sentinel down-after-milliseconds ${name} ${opts.downAfterMs ?? 1_000}`,
    `sentinel failover-timeout ${name} 5000`,
    ...(opts.masterPassword !== undefined ? [`sentinel auth-pass ${name} ${opts.masterPassword}`] : []),
    ...(opts.password !== undefined ? [`requirepass ${opts.password}`] : []),
  ];
  writeFileSync(conf, `${lines.join("\n")}\n`);
  const child: ChildProcess = spawn("redis-server", [conf, "--sentinel"], { stdio: "ignore" });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const auth = opts.password !== undefined ? ["AUTH", opts.password] : undefined;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`redis-server --sentinel exited with ${child.exitCode}`);
    }
    const reply = await redisCommand(port, ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", name], 2_000, auth).catch(() => "");
    if (reply.includes(String(opts.masterPort))) return { host: "127.0.0.1", port, masterName: name, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error("redis-server --sentinel did not report its master within 10 s");
}
