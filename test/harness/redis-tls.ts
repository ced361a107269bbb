import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { connect } from "node:tls";
import { freePort } from "./free-port.ts";

/** A redis-server this harness started with TLS only (no plaintext port). */
export interface RedisTlsInstance {
  readonly host: string;
  readonly port: number;
  /** Stops the server for good. */
  stop(): Promise<void>;
}

/** Files the TLS server uses: its certificate and key, and the CA it checks client certificates against. */
export interface RedisTlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/**
 * Null when the system's redis-server was built with TLS, else why not. A build without it refuses the
 * `tls-port` directive (7.0) or says it has no TLS support (7.2+); a build with it complains about the
 * missing certificate instead, which is what this probe provokes.
 */
export function redisTlsUnsupportedReason(): string | null {
  const res = spawnSync("redis-server", ["--port", "0", "--tls-port", "1", "--save", ""], {
    encoding: "utf8",
    timeout: 5_000,
  });
  if (res.error) return `redis-server could not be run: ${res.error.message}`;
  const out = `${res.stdout}${res.stderr}`;
  if (/tls-cert-file|Failed to load|Failed to configure TLS/i.test(out)) return null;
  const line = out.split("\n").find((l) => /tls|directive/i.test(l)) ?? out.trim().split("\n").pop() ?? "";
  return `this redis-server was built without TLS (${line.trim().slice(0, 160)})`;
}

/**
 * Starts `redis-server` with only a TLS port on 127.0.0.1 and waits until it answers PING over TLS.
 * `authClients` is Redis's `tls-auth-clients`: "yes" demands a client certificate signed by `files.ca`.
 */
export async function startRedisTls(
  files: RedisTlsFiles,
  opts: { authClients?: "yes" | "no" | "optional"; extraArgs?: string[] } = {},
): Promise<RedisTlsInstance> {
  const port = await freePort();
  // biome-ignore format: flag and value on one line read better
  const args = [
    "--port", "0", "--tls-port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
    "--tls-cert-file", files.cert, "--tls-key-file", files.key, "--tls-ca-cert-file", files.ca,
    "--tls-auth-clients", opts.authClients ?? "no", ...(opts.extraArgs ?? []),
  ];
  const child: ChildProcess = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server (TLS) exited with ${child.exitCode}:\n${out}`);
    if (await tlsPing(port)) return { host: "127.0.0.1", port, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`redis-server (TLS) did not answer within 10 s:\n${out}`);
}

/** Whether the TLS port answers: PING succeeds, or the handshake is refused for lack of a client certificate. */
function tlsPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port, rejectUnauthorized: false });
    s.once("secureConnect", () => s.write("PING\r\n"));
    s.once("data", (d: Buffer) => {
      s.destroy();
      resolve(/^(\+PONG|-NOAUTH)/.test(d.toString()));
    });
    // A server demanding a client certificate ends the handshake with an alert: it is up all the same.
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code !== "ECONNREFUSED" && e.code !== "ECONNRESET"));
  });
}
