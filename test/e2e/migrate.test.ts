import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type PostgresInstance, startPostgres, startService } from "../harness/index.ts";

/**
 * The deploy order a Helm chart uses: a migration Job runs `migrate.ts`, and control planes started with
 * MIGRATE_ON_START=false wait for the schema instead of serving against an old one.
 */
describe("migrations as a separate step", () => {
  let pg: PostgresInstance;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it("a control plane with MIGRATE_ON_START=false waits until migrate.ts has run", async () => {
    const adminPort = await freePort();
    const cp = startService("control-plane", "apps/control-plane/src/main.ts", {
      HOST: "127.0.0.1",
      ADMIN_PORT: String(adminPort),
      GRPC_PORT: String(await freePort()),
      METRICS_PORT: String(await freePort()),
      DATABASE_URL: pg.url,
      REDIS_URL: "redis://127.0.0.1:1",
      ADMIN_TOKEN: randomBytes(16).toString("hex"),
      NODE_TOKEN: randomBytes(16).toString("hex"),
      MASTER_KEY: randomBytes(32).toString("hex"),
      MIGRATE_ON_START: "false",
      GRPC_ALLOW_PLAINTEXT: "true",
      LOG_LEVEL: "info",
    });
    try {
      await new Promise((r) => setTimeout(r, 1_500));
      expect(cp.child.exitCode).toBeNull();
      expect(cp.output()).toContain("waiting for the database schema to be migrated");
      await expect(fetch(`http://127.0.0.1:${adminPort}/readyz`)).rejects.toThrow();

      const job = startService("migrate", "apps/control-plane/src/migrate.ts", { DATABASE_URL: pg.url });
      const code = await new Promise<number | null>((r) => job.child.once("exit", (c) => r(c)));
      expect(code, job.output()).toBe(0);
      await cp.waitHttp(`http://127.0.0.1:${adminPort}/readyz`, 15_000);
    } finally {
      await cp.kill("SIGKILL");
    }
  }, 40_000);

  it("migrate.ts names a missing DATABASE_URL and fails", async () => {
    const job = startService("migrate", "apps/control-plane/src/migrate.ts", {});
    const code = await new Promise<number | null>((r) => job.child.once("exit", (c) => r(c)));
    expect(code).toBe(1);
    expect(job.output()).toContain("DATABASE_URL");
  });
});
