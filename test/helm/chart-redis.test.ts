import { parseRedisEnv } from "@switchyard/ratelimit/connection";
import { describe, expect, it } from "vitest";
import { find, type K8sObject, podSpec, render } from "./chart.ts";
import { containerEnv } from "./pod-env.ts";

const PLANES = ["control-plane", "data-plane"] as const;

/**
 * Each plane's environment as the app would see it: ConfigMap values as they are, secrets as a placeholder
 * (their values are not in the chart), so the apps' own parser can judge the combination.
 */
function appEnv(objects: K8sObject[], plane: (typeof PLANES)[number]) {
  const container = podSpec(find(objects, "Deployment", plane)).containers[0];
  const env = containerEnv(objects, container);
  const values: Record<string, string> = {};
  for (const [name, source] of env) {
    if (!name.startsWith("REDIS_")) continue;
    values[name] =
      source.kind === "secret"
        ? name === "REDIS_URL"
          ? "rediss://redis.example.com:6380"
          : "secret"
        : "value" in source
          ? source.value
          : "";
  }
  return { container, env, values };
}

describe("chart: how both planes reach Redis", () => {
  it("by default passes REDIS_URL and the optional password from the Secret, and lets the URL decide TLS", () => {
    const objects = render();
    for (const plane of PLANES) {
      const { env, values } = appEnv(objects, plane);
      expect(env.get("REDIS_URL")).toMatchObject({ kind: "secret", key: "REDIS_URL" });
      expect(env.get("REDIS_PASSWORD")).toMatchObject({ kind: "secret", key: "REDIS_PASSWORD", optional: true });
      // A rediss:// URL must still be accepted: the chart writes no REDIS_TLS=false to contradict it.
      expect(values.REDIS_TLS).toBeUndefined();
      expect(parseRedisEnv(values).ok, plane).toBe(true);
    }
  });

  it("with Sentinel, TLS files and an ACL user: no REDIS_URL, the files mounted, a combination the apps accept", () => {
    const objects = render({ values: ["ci/managed-redis-values.yaml"] });
    for (const plane of PLANES) {
      const { container, env, values } = appEnv(objects, plane);
      expect(env.has("REDIS_URL"), plane).toBe(false);
      expect(values).toMatchObject({
        REDIS_SENTINELS: "sentinel-0.redis.example.com:26379,sentinel-1.redis.example.com:26379",
        REDIS_SENTINEL_MASTER: "switchyard",
        REDIS_USERNAME: "switchyard",
        REDIS_TLS: "true",
        REDIS_TLS_SERVER_NAME: "redis.example.com",
        REDIS_TLS_CA_FILE: "/etc/switchyard/redis-tls/ca.crt",
        REDIS_TLS_CERT_FILE: "/etc/switchyard/redis-tls/tls.crt",
        REDIS_TLS_KEY_FILE: "/etc/switchyard/redis-tls/tls.key",
      });
      expect(env.get("REDIS_SENTINEL_PASSWORD")).toMatchObject({ kind: "secret", optional: true });
      const parsed = parseRedisEnv(values);
      expect(parsed.ok ? parsed.config : parsed.problems, plane).toMatchObject({
        sentinels: [{ port: 26379 }, { port: 26379 }],
        tls: { caFile: "/etc/switchyard/redis-tls/ca.crt" },
      });
      const mount = container.volumeMounts.find((m: any) => m.name === "redis-tls");
      expect(mount).toMatchObject({ mountPath: "/etc/switchyard/redis-tls", readOnly: true });
      const volume = podSpec(find(objects, "Deployment", plane)).volumes.find((v: any) => v.name === "redis-tls");
      expect(volume.secret).toMatchObject({ secretName: "switchyard-redis-tls" });
      expect(volume.secret.items.map((i: any) => i.key).sort()).toEqual(["ca.crt", "tls.crt", "tls.key"]);
    }
    // The NetworkPolicies let both planes reach the Sentinel port as well as Redis.
    for (const plane of PLANES) {
      const policy = find(objects, "NetworkPolicy", plane);
      const ports = policy.spec.egress.flatMap((r: any) => (r.ports ?? []).map((p: any) => p.port));
      expect(ports, plane).toEqual(expect.arrayContaining([6379, 26379]));
    }
  });

  it("with Cluster seed nodes: REDIS_CLUSTER_NODES instead of REDIS_URL", () => {
    const objects = render({
      setString: { "redisConnection.clusterNodes": "r-0.example.com:6379\\,r-1.example.com:6379" },
    });
    for (const plane of PLANES) {
      const { env, values } = appEnv(objects, plane);
      expect(env.has("REDIS_URL")).toBe(false);
      expect(env.has("REDIS_SENTINEL_PASSWORD")).toBe(false);
      expect(values.REDIS_CLUSTER_NODES).toBe("r-0.example.com:6379,r-1.example.com:6379");
      expect(parseRedisEnv(values).ok).toBe(true);
    }
  });

  it("refuses contradicting values at render time, naming them", () => {
    expect(() =>
      render({ setString: { "redisConnection.clusterNodes": "a:1", "redisConnection.sentinels": "b:2" } }),
    ).toThrow(/set sentinels or clusterNodes, not both/);
    expect(() => render({ setString: { "redisConnection.sentinels": "b:2" } })).toThrow(
      /redisConnection.sentinelMaster is required/,
    );
    expect(() => render({ setString: { "redisConnection.tls.existingSecret": "s" } })).toThrow(
      /redisConnection.tls.existingSecret needs redisConnection.tls.enabled/,
    );
    expect(() => render({ set: { "redisConnection.tls.clientCertificate": "true" } })).toThrow(
      /clientCertificate needs redisConnection.tls.existingSecret/,
    );
  });
});
