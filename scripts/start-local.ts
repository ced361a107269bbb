/**
 * `npm start`: both planes on this machine with the embedded database (PGlite) in ./.data, the in-process
 * limiter and plaintext gRPC. Starts the control plane, waits until it is ready, starts a data plane, then
 * prints the URLs and a curl that goes through the seeded mock route.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const dataDir = resolve(process.env.SWITCHYARD_DATA_DIR ?? ".data");
const adminPort = process.env.ADMIN_PORT ?? "8081";
const proxyPort = process.env.PORT ?? "8080";
const grpcPort = process.env.GRPC_PORT ?? "50051";
const cpMetricsPort = process.env.CONTROL_PLANE_METRICS_PORT ?? "9091";
const dpMetricsPort = process.env.DATA_PLANE_METRICS_PORT ?? "9090";
const base = { ...process.env, SWITCHYARD_MODE: "local", SWITCHYARD_DATA_DIR: dataDir };
const children: ChildProcess[] = [];

function start(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [script], { env, stdio: ["ignore", "inherit", "inherit"] });
  child.on("exit", (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${name} exited (${signal ?? code}); stopping\n`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become ready within ${timeoutMs / 1000} s`);
}

let stopping = false;
async function stop(code: number): Promise<void> {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

async function main(): Promise<void> {
  start("control plane", "apps/control-plane/src/main.ts", {
    ...base,
    GRPC_PORT: grpcPort,
    ADMIN_PORT: adminPort,
    METRICS_PORT: cpMetricsPort,
  });
  await waitReady(`http://127.0.0.1:${adminPort}/readyz`, 60_000);
  start("data plane", "apps/data-plane/src/main.ts", {
    ...base,
    PORT: proxyPort,
    METRICS_PORT: dpMetricsPort,
    CONTROL_PLANE_URL: process.env.CONTROL_PLANE_URL ?? `127.0.0.1:${grpcPort}`,
  });
  await waitReady(`http://127.0.0.1:${proxyPort}/readyz`, 60_000);
  const keyFile = join(dataDir, "local-api-key");
  const key = existsSync(keyFile) ? readFileSync(keyFile, "utf8").trim() : "<your key>";
  const adminToken = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
  process.stdout.write(
    [
      "",
      `Switchyard is running in local mode (embedded database in ${dataDir}).`,
      `  data plane (OpenAI-compatible):  http://127.0.0.1:${proxyPort}/v1`,
      `  admin API:                       http://127.0.0.1:${adminPort}/admin/v1  (token in ${join(dataDir, "admin-token")})`,
      `  config stream (gRPC):            127.0.0.1:${grpcPort}`,
      "",
      "Try the seeded mock route:",
      `  curl -s http://127.0.0.1:${proxyPort}/v1/chat/completions \\`,
      `    -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\`,
      `    -d '{"model":"mock-gpt","messages":[{"role":"user","content":"Hello!"}]}'`,
      "",
      "Admin API:",
      `  curl -s http://127.0.0.1:${adminPort}/admin/v1/routes -H "Authorization: Bearer ${adminToken}"`,
      "",
      "Ctrl-C stops both planes.",
      "",
    ].join("\n"),
  );
}

main().catch((e: Error) => {
  process.stderr.write(`npm start failed: ${e.message}\n`);
  void stop(1);
});
