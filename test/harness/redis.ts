import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { freePort } from "./free-port.ts";

/** A redis-server this harness started. */
export interface RedisInstance {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL), as an outage would. */
  kill(): Promise<void>;
  /** Starts it again on the same port after `kill()` (empty: nothing is persisted). */
  start(): Promise<void>;
  /** Stops the server for good. */
  stop(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => s.write("PING\r\n"));
    s.once("data", (d) => {
      s.destroy();
      // A server with `requirepass` or ACLs answers NOAUTH: it is up all the same.
      resolve(/^(\+PONG|-NOAUTH)/.test(d.toString()));
    });
    s.once("error", () => resolve(false));
  });
}

/** Starts `redis-server` from the system binary on a free loopback port, with no persistence. */
export async function startRedis(extraArgs: string[] = []): Promise<RedisInstance> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const c = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...extraArgs],
      { stdio: "ignore" },
    );
    child = c;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (c.exitCode !== null) throw new Error(`redis-server exited with ${c.exitCode}`);
      if (await ping(port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error("redis-server did not answer within 10 s");
  };
  const kill = async (): Promise<void> => {
    const c = child;
    // A process ended by a signal keeps exitCode null (signalCode is set): without this, stop() after kill()
    // would wait forever for an exit that already happened.
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGKILL");
    });
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, kill, start, stop: kill };
}
