import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../harness/index.ts";
import { readmeEnv } from "../helm/readme-env.ts";

/**
 * docker-compose.yml is validated without a Docker engine: Debian's `docker-compose` resolves and checks the
 * file (`config`), and every environment name it gives a Switchyard container must be one the README's
 * configuration reference documents for that plane, so a renamed variable fails here instead of being
 * silently ignored by the app.
 */
describe("docker-compose.yml", () => {
  const secrets = {
    POSTGRES_PASSWORD: "pw-for-validation",
    ADMIN_TOKEN: "admin-token-0123456789",
    NODE_TOKEN: "node-token-0123456789",
    MASTER_KEY: "a".repeat(64),
  };
  const config = (env: Record<string, string>) =>
    spawnSync("docker-compose", ["-f", "docker-compose.yml", "config"], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
      encoding: "utf8",
    });

  it("is valid, and names only documented variables", () => {
    const res = config(secrets);
    expect(res.error, "the docker-compose binary (Debian package docker-compose) is required").toBeUndefined();
    expect(res.status, res.stderr).toBe(0);
    const doc = parse(res.stdout) as {
      services: Record<string, { environment?: Record<string, string>; build?: { target?: string } }>;
    };
    const planes = { "control-plane": readmeEnv("Control plane"), "data-plane": readmeEnv("Data plane") };
    const apps = Object.entries(doc.services).filter(([, s]) => s.build?.target);
    expect(apps.map(([name]) => name).sort()).toEqual(["control-plane", "data-plane-1", "data-plane-2", "migrate"]);
    for (const [name, service] of apps) {
      const documented = planes[service.build?.target as keyof typeof planes];
      expect(documented, `${name} builds a known target`).toBeDefined();
      for (const key of Object.keys(service.environment ?? {})) {
        expect(documented.has(key), `${name} sets ${key}, which the README does not document`).toBe(true);
      }
    }
    const cp = doc.services["control-plane"]?.environment ?? {};
    for (const key of ["DATABASE_URL", "REDIS_URL", "ADMIN_TOKEN", "NODE_TOKEN", "MASTER_KEY"]) {
      expect(cp[key], key).toBeTruthy();
    }
    expect(doc.services["data-plane-1"]?.environment?.NODE_TOKEN).toBe(cp.NODE_TOKEN);
  });

  it("refuses to start without its secrets instead of inventing them", () => {
    const res = config({});
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/POSTGRES_PASSWORD|ADMIN_TOKEN|NODE_TOKEN|MASTER_KEY/);
  });
});
