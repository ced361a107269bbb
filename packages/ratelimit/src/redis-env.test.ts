import { describe, expect, it } from "vitest";
import { parseRedisEnv } from "./redis-env.ts";

const problems = (env: Record<string, string>) => {
  const r = parseRedisEnv(env);
  return r.ok ? [] : r.problems;
};
const config = (env: Record<string, string>) => {
  const r = parseRedisEnv(env);
  if (!r.ok) throw new Error(r.problems.join("; "));
  return r.config;
};

describe("parseRedisEnv", () => {
  it("names no Redis when nothing is set, and treats empty values as unset", () => {
    expect(config({})).toBeNull();
    expect(config({ REDIS_URL: "", REDIS_SENTINELS: "", REDIS_TLS: "" })).toBeNull();
  });

  it("reads a plain URL, with ACL credentials from their own variables", () => {
    expect(config({ REDIS_URL: "redis://r:6379/2" })).toEqual({ url: "redis://r:6379/2" });
    expect(config({ REDIS_URL: "redis://r:6379", REDIS_USERNAME: "gw", REDIS_PASSWORD: "s3cret" })).toEqual({
      url: "redis://r:6379",
      username: "gw",
      password: "s3cret",
    });
  });

  it("turns TLS on for rediss:// or REDIS_TLS=true, with the TLS files", () => {
    expect(config({ REDIS_URL: "rediss://r:6380" })).toEqual({ url: "rediss://r:6380", tls: {} });
    expect(
      config({
        REDIS_URL: "redis://r:6380",
        REDIS_TLS: "true",
        REDIS_TLS_CA_FILE: "/ca.pem",
        REDIS_TLS_CERT_FILE: "/c.pem",
        REDIS_TLS_KEY_FILE: "/k.pem",
        REDIS_TLS_SERVER_NAME: "redis.internal",
      }),
    ).toEqual({
      url: "redis://r:6380",
      tls: { caFile: "/ca.pem", certFile: "/c.pem", keyFile: "/k.pem", servername: "redis.internal" },
    });
  });

  it("reads Sentinel and Cluster address lists, IPv6 included", () => {
    expect(
      config({
        REDIS_SENTINELS: "s1:26379, [::1]:26380",
        REDIS_SENTINEL_MASTER: "mymaster",
        REDIS_SENTINEL_PASSWORD: "x",
        REDIS_PASSWORD: "y",
      }),
    ).toEqual({
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "::1", port: 26380 },
      ],
      sentinelMasterName: "mymaster",
      sentinelPassword: "x",
      password: "y",
    });
    expect(config({ REDIS_CLUSTER_NODES: "10.0.0.1:7000,10.0.0.2:7001", REDIS_TLS: "1" })).toEqual({
      clusterNodes: [
        { host: "10.0.0.1", port: 7000 },
        { host: "10.0.0.2", port: 7001 },
      ],
      tls: {},
    });
  });

  it("refuses bad values and combinations, naming the variable and never a secret", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ REDIS_URL: "localhost:6379" }, /^REDIS_URL: must be a redis:\/\//],
      [{ REDIS_URL: "redis://r/abc" }, /^REDIS_URL: .*database number/],
      [{ REDIS_URL: "redis://r", REDIS_CLUSTER_NODES: "a:1" }, /^REDIS_URL and REDIS_CLUSTER_NODES: set only one/],
      [{ REDIS_SENTINELS: "a:1" }, /^REDIS_SENTINEL_MASTER is required with REDIS_SENTINELS/],
      [{ REDIS_SENTINELS: "a", REDIS_SENTINEL_MASTER: "m" }, /^REDIS_SENTINELS: "a" is not host:port/],
      [{ REDIS_CLUSTER_NODES: "a:70000" }, /^REDIS_CLUSTER_NODES: "a:70000" is not host:port/],
      [{ REDIS_URL: "redis://r", REDIS_SENTINEL_MASTER: "m" }, /^REDIS_SENTINEL_MASTER needs REDIS_SENTINELS/],
      [{ REDIS_URL: "redis://r", REDIS_SENTINEL_PASSWORD: "p" }, /^REDIS_SENTINEL_PASSWORD needs REDIS_SENTINELS/],
      [{ REDIS_URL: "redis://r", REDIS_TLS: "yes" }, /^REDIS_TLS: must be true or false/],
      [{ REDIS_URL: "rediss://r", REDIS_TLS: "false" }, /^REDIS_TLS is false but REDIS_URL is rediss:/],
      [{ REDIS_URL: "redis://r", REDIS_TLS_CA_FILE: "/ca" }, /^REDIS_TLS_CA_FILE needs REDIS_TLS=true/],
      [{ REDIS_URL: "rediss://r", REDIS_TLS_CERT_FILE: "/c" }, /^REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE/],
      [{ REDIS_URL: "redis://r", REDIS_USERNAME: "u" }, /^REDIS_USERNAME needs REDIS_PASSWORD/],
      [{ REDIS_URL: "redis://u:hunter2@r", REDIS_PASSWORD: "hunter3" }, /^REDIS_PASSWORD is set and REDIS_URL carries/],
      [{ REDIS_URL: "redis://u:hunter2@r", REDIS_USERNAME: "v" }, /^REDIS_USERNAME is set and REDIS_URL carries/],
    ];
    for (const [env, expected] of cases) {
      const found = problems(env);
      expect(found.length, JSON.stringify(env)).toBeGreaterThan(0);
      expect(found.join("\n"), JSON.stringify(env)).toMatch(expected);
      expect(found.join("\n")).not.toMatch(/hunter/);
    }
  });

  it("accepts a user with the password inside the URL", () => {
    expect(config({ REDIS_URL: "redis://:pw@r" })).toEqual({ url: "redis://:pw@r" });
    expect(problems({ REDIS_URL: "redis://u:pw@r" })).toEqual([]);
  });
});
