import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, REPO_ROOT } from "../test/harness/index.ts";

/**
 * The newcomer path: `npm start` (this script) brings up both planes with the embedded database, prints a
 * curl, and that curl answers through the seeded mock route. Run twice on the same data folder, the second
 * start reuses the seeded key instead of seeding again.
 */
describe("npm start (local mode)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "switchyard-local-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const startOnce = async () => {
    const ports = {
      PORT: String(await freePort()),
      ADMIN_PORT: String(await freePort()),
      GRPC_PORT: String(await freePort()),
      CONTROL_PLANE_METRICS_PORT: String(await freePort()),
      DATA_PLANE_METRICS_PORT: String(await freePort()),
    };
    const child = spawn(process.execPath, ["scripts/start-local.ts"], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SWITCHYARD_DATA_DIR: dataDir, ...ports },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const deadline = Date.now() + 60_000;
    while (!out.includes("Ctrl-C stops both planes.")) {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${out}`);
      if (Date.now() > deadline) throw new Error(`npm start did not print its curl within 60 s:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { child, out: () => out, ports };
  };

  const runPrintedCurl = async (out: string) => {
    const url = /curl -s (http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions)/.exec(out)?.[1];
    const key = /Authorization: Bearer (sk-sy-[A-Za-z0-9_-]+)/.exec(out)?.[1];
    const body = /-d '([^']+)'/.exec(out)?.[1];
    expect(url && key && body).toBeTruthy();
    const res = await fetch(url as string, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { object: string; choices: { message: { content: string } }[] };
    expect(json.object).toBe("chat.completion");
    expect(json.choices[0]?.message.content.length).toBeGreaterThan(0);
    return key;
  };

  const stop = async (child: ReturnType<typeof spawn>) => {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGINT");
    await exited;
  };

  it("starts both planes, prints a curl that works, and keeps its seed across restarts", async () => {
    const first = await startOnce();
    let key1: string | undefined;
    try {
      key1 = await runPrintedCurl(first.out());
      expect(first.out()).toContain("seeded the mock provider");
    } finally {
      await stop(first.child);
    }
    const second = await startOnce();
    try {
      const key2 = await runPrintedCurl(second.out());
      expect(key2).toBe(key1);
      expect(second.out()).not.toContain("seeded the mock provider");
    } finally {
      await stop(second.child);
    }
  }, 150_000);
});
