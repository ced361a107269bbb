import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.ts";
import {
  eventually,
  type PostgresInstance,
  type RedisInstance,
  startPostgres,
  startRedis,
  startService,
  testPki,
} from "../harness/index.ts";
import {
  adminClient,
  type ControlPlane,
  controlPlane,
  type DataPlane,
  dataPlane,
  fleetSecrets,
  seedRoute,
} from "./fleet/fleet.ts";

const UPSTREAM_KEY = "sk-upstream-over-tls";

/**
 * The config stream as production runs it: TLS with client certificates (the node id comes from the
 * certificate), and a node token rotation in progress (the old token still accepted beside the new one).
 */
describe("config stream over mutual TLS, during a node token rotation", () => {
  const secrets = fleetSecrets();
  const oldToken = "the-previous-node-token-0123456789";
  const pki = testPki();
  let pg: PostgresInstance;
  let redis: RedisInstance;
  let upstream: FakeOpenAI;
  let cp: ControlPlane;
  let dps: DataPlane[] = [];

  beforeAll(async () => {
    [pg, redis, upstream] = await Promise.all([
      startPostgres(),
      startRedis(),
      startFakeOpenAI({ apiKey: UPSTREAM_KEY }),
    ]);
    const serverCa = pki.ca("server-ca");
    const clientCa = pki.ca("client-ca");
    const server = pki.server(serverCa);
    cp = await controlPlane("control-plane", secrets, pg.url, {
      GRPC_ALLOW_PLAINTEXT: "false",
      GRPC_TLS_CERT_FILE: server.cert,
      GRPC_TLS_KEY_FILE: server.key,
      GRPC_TLS_CLIENT_CA_FILE: clientCa.cert,
      NODE_TOKEN_PREVIOUS: oldToken,
    });
    await cp.start();
    const url = `https://${cp.grpcAddress}`;
    const node = (id: string, token: string) => {
      const cert = pki.client(clientCa, id);
      return dataPlane(id, { ...secrets, nodeToken: token }, url, redis.url, {
        CONFIG_ALLOW_PLAINTEXT: "false",
        CONFIG_TLS_CA_FILE: serverCa.cert,
        CONFIG_TLS_CERT_FILE: cert.cert,
        CONFIG_TLS_KEY_FILE: cert.key,
      });
    };
    dps = [await node("dp-old-token", oldToken), await node("dp-new-token", secrets.nodeToken)];
    await Promise.all(dps.map((dp) => dp.start({ wait: false })));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([cp, ...dps].map((p) => p?.kill()));
    for (const dp of dps) dp.cleanup();
    pki.cleanup();
    await Promise.all([pg?.stop(), redis?.stop(), upstream?.close()]);
  });

  it("serves both nodes over mutual TLS, and names the one still on the previous token", async () => {
    const admin = adminClient(cp.adminUrl, secrets.adminToken);
    const { key } = await seedRoute(admin, { baseUrl: upstream.url, upstreamKey: UPSTREAM_KEY, alias: "gpt-tls" });
    await admin.converged(["dp-old-token", "dp-new-token"]);
    for (const dp of dps) {
      const client = new OpenAI({ baseURL: `${dp.url}/v1`, apiKey: key, maxRetries: 0 });
      const res = await client.chat.completions.create({
        model: "gpt-tls",
        messages: [{ role: "user", content: "x" }],
      });
      expect(res.choices[0]?.message.content).toBeTruthy();
    }
    await eventually(async () => cp.proc().output().includes("data plane uses a previous node token"));
    const warned = cp
      .proc()
      .output()
      .split("\n")
      .filter((l) => l.includes("previous node token"));
    expect(warned.every((l) => l.includes('"nodeId":"dp-old-token"'))).toBe(true);
    expect(cp.proc().output()).toContain('"mutualTls":true');
  });

  it("a data plane refuses to start with a plaintext URL unless plaintext is asked for by name", async () => {
    const dp = startService("dp-plain", "apps/data-plane/src/main.ts", {
      SWITCHYARD_MODE: "production",
      CONTROL_PLANE_URL: cp.grpcAddress,
      NODE_TOKEN: secrets.nodeToken,
      REDIS_URL: redis.url,
      SNAPSHOT_FILE: "",
    });
    const code = await new Promise<number | null>((resolve) => dp.child.once("exit", resolve));
    expect(code).toBe(1);
    expect(dp.output()).toMatch(/CONTROL_PLANE_URL must be https.*CONFIG_ALLOW_PLAINTEXT=true/);
  });
});
