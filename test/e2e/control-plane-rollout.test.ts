import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.ts";
import { eventually, type PostgresInstance, type RedisInstance, startPostgres, startRedis } from "../harness/index.ts";
import {
  adminClient,
  type ControlPlane,
  controlPlane,
  type DataPlane,
  dataPlane,
  fleetSecrets,
  seedRoute,
} from "./fleet/fleet.ts";
import { startTcpRelay, type TcpRelay } from "./fleet/tcp-relay.ts";

/**
 * A rolling update of the control plane: the data plane dials one address (a Service, here a TCP relay);
 * the replica it is connected to leaves the endpoints and gets SIGTERM; it closes its streams, the node
 * reconnects through the same address to the other replica, and traffic never fails.
 */
describe("control plane rolling update", () => {
  const secrets = fleetSecrets();
  let pg: PostgresInstance;
  let redis: RedisInstance;
  let upstream: FakeOpenAI;
  let relay: TcpRelay;
  let cps: ControlPlane[] = [];
  let dp: DataPlane;

  beforeAll(async () => {
    [pg, redis, upstream] = await Promise.all([startPostgres(), startRedis(), startFakeOpenAI({ apiKey: "sk-up" })]);
    const tuning = { NODE_STATUS_FLUSH_MS: "300", SHUTDOWN_GRACE_MS: "2000" };
    cps = [
      await controlPlane("cp-a", secrets, pg.url, { ...tuning, REPLICA_ID: "cp-a" }),
      await controlPlane("cp-b", secrets, pg.url, { ...tuning, REPLICA_ID: "cp-b" }),
    ];
    await Promise.all(cps.map((cp) => cp.start()));
    relay = await startTcpRelay((cps[0] as ControlPlane).grpcAddress);
    dp = await dataPlane("dp-rollout", secrets, relay.address, redis.url);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...cps, dp].filter(Boolean).map((p) => p.kill()));
    dp?.cleanup();
    await Promise.all([relay?.close(), pg?.stop(), redis?.stop(), upstream?.close()]);
  });

  it("a node moves to the remaining replica on SIGTERM without a failed request", async () => {
    const [cpA, cpB] = cps as [ControlPlane, ControlPlane];
    const b = adminClient(cpB.adminUrl, secrets.adminToken);
    const { key, routeId } = await seedRoute(adminClient(cpA.adminUrl, secrets.adminToken), {
      baseUrl: upstream.url,
      upstreamKey: "sk-up",
      alias: "gpt-roll",
    });
    await dp.start();
    const chat = () =>
      fetch(`${dp.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-roll", messages: [{ role: "user", content: "hi" }] }),
      }).then((r) => r.status);
    await eventually(async () => (await chat()) === 200, 15_000);

    let stop = false;
    const statuses: number[] = [];
    const load = (async () => {
      while (!stop) statuses.push(await chat().catch(() => -1));
    })();

    relay.retarget(cpB.grpcAddress);
    const connectionsBefore = relay.connections();
    await cpA.kill("SIGTERM");
    expect(cpA.proc().child.exitCode).toBe(0);
    // The node reconnects through the same address and lands on the remaining replica.
    await eventually(async () => relay.connections() > connectionsBefore, 10_000);
    await eventually(async () => {
      const nodes = await b.nodes();
      return nodes.some((n) => n.nodeId === "dp-rollout" && n.connected && n.controlPlane === "cp-b");
    }, 15_000);
    // A change made on the remaining replica reaches the node.
    const before = upstream.requests.length;
    expect((await b.call("PATCH", `/routes/${routeId}`, { upstreamModel: "gpt-after-rollout" })).status).toBe(200);
    await eventually(async () => {
      await chat();
      return upstream.requests.slice(before).some((r) => (r.body as { model: string }).model === "gpt-after-rollout");
    }, 15_000);
    stop = true;
    await load;
    expect(statuses.length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  }, 60_000);
});
