import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";
import { redisCommand } from "./redis-command.ts";

/** A Redis Cluster this harness started: masters only, no replicas, every slot assigned. */
export interface RedisClusterInstance {
  /** Every master's address, in start order; node i owns the i-th equal share of the 16384 slots. */
  readonly nodes: readonly { host: string; port: number }[];
  /** Kills node i (SIGKILL), as a crash would; its slots go uncovered until `start(i)`. */
  kill(i: number): Promise<void>;
  /** Starts node i again after `kill(i)` (empty, same slots) and waits until the cluster is ok again. */
  start(i: number): Promise<void>;
  /** Stops every node and removes the temp folder. */
  stop(): Promise<void>;
}

const SLOTS = 16_384;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

const clusterOk = (port: number) =>
  redisCommand(port, ["CLUSTER", "INFO"]).then((info) => info.includes("cluster_state:ok"));

/**
 * Starts a Redis Cluster of `masters` `redis-server` processes (cluster-enabled, no persistence) on free
 * loopback ports in a temp folder, joins them with CLUSTER MEET, splits the slots evenly with
 * CLUSTER ADDSLOTSRANGE and waits until every node reports `cluster_state:ok`.
 *
 * The join is done with plain cluster commands rather than `redis-cli --cluster create`, so there is one
 * code path, needing nothing but the server binary. The cluster bus port is chosen free too (`cluster-port`)
 * instead of the default port + 10000, which can fall outside the port range.
 */
export async function startRedisCluster(
  opts: { masters?: number; nodeTimeoutMs?: number } = {},
): Promise<RedisClusterInstance> {
  const masters = opts.masters ?? 3;
  if (masters < 1) throw new Error("a cluster needs at least one master");
  const dir = mkdtempSync(join(tmpdir(), "switchyard-redis-cluster-"));
  const ports: { port: number; busPort: number }[] = [];
  const used = new Set<number>();
  while (ports.length < masters) {
    const port = await freePort();
    const busPort = await freePort();
    if (used.has(port) || used.has(busPort) || port === busPort) continue;
    used.add(port).add(busPort);
    ports.push({ port, busPort });
  }
  const children: (ChildProcess | undefined)[] = new Array(masters);

  const launch = async (i: number): Promise<void> => {
    const { port, busPort } = ports[i]!;
    const nodeDir = join(dir, String(i));
    mkdirSync(nodeDir, { recursive: true });
    const c = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        nodeDir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--cluster-enabled",
        "yes",
        "--cluster-port",
        String(busPort),
        "--cluster-config-file",
        join(nodeDir, "nodes.conf"),
        "--cluster-node-timeout",
        String(opts.nodeTimeoutMs ?? 2_000),
      ],
      { stdio: "ignore" },
    );
    children[i] = c;
    await waitFor(
      `redis-server cluster node ${i} did not answer`,
      async () => {
        if (c.exitCode !== null) throw new Error(`redis-server exited with ${c.exitCode}`);
        return (await redisCommand(port, ["PING"])).startsWith("+PONG");
      },
      10_000,
    );
  };

  const kill = async (i: number): Promise<void> => {
    const c = children[i];
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGKILL");
    });
  };
  const stop = async (): Promise<void> => {
    await Promise.all(ports.map((_, i) => kill(i)));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await Promise.all(ports.map((_, i) => launch(i)));
    const share = Math.ceil(SLOTS / masters);
    for (let i = 0; i < masters; i++) {
      const first = i * share;
      const last = Math.min(SLOTS, first + share) - 1;
      await redisCommand(ports[i]!.port, ["CLUSTER", "ADDSLOTSRANGE", first, last]);
      if (i > 0)
        await redisCommand(ports[0]!.port, ["CLUSTER", "MEET", "127.0.0.1", ports[i]!.port, ports[i]!.busPort]);
    }
    for (const { port } of ports)
      await waitFor("Redis Cluster did not reach cluster_state:ok", () => clusterOk(port), 30_000);
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    nodes: ports.map(({ port }) => ({ host: "127.0.0.1", port })),
    kill,
    async start(i) {
      await launch(i);
      for (const { port } of ports) {
        await waitFor("Redis Cluster did not return to cluster_state:ok", () => clusterOk(port), 30_000);
      }
    },
    stop,
  };
}
