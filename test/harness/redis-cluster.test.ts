import { Cluster } from "ioredis";
import { describe, expect, it } from "vitest";
import { eventually, redisCommand, startRedisCluster } from "./index.ts";

describe("startRedisCluster", () => {
  it("starts 3 masters owning every slot, and can kill and restart one", async () => {
    const cluster = await startRedisCluster({ masters: 3 });
    const client = new Cluster([...cluster.nodes], { enableOfflineQueue: true, clusterRetryStrategy: () => 100 });
    try {
      expect(cluster.nodes).toHaveLength(3);
      const info = await redisCommand(cluster.nodes[0]!.port, ["CLUSTER", "INFO"]);
      expect(info).toContain("cluster_state:ok");
      expect(info).toContain("cluster_slots_assigned:16384");
      expect(info).toContain("cluster_known_nodes:3");

      // Keys spread over all three masters: each node holds some of them.
      const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
      for (const k of keys) await client.set(k, "v");
      const counts = await Promise.all(
        cluster.nodes.map(async (n) => Number(/:(\d+)/.exec(await redisCommand(n.port, ["DBSIZE"]))?.[1])),
      );
      expect(counts.every((c) => c > 0)).toBe(true);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(keys.length);

      await cluster.kill(1);
      await eventually(async () =>
        (await redisCommand(cluster.nodes[0]!.port, ["CLUSTER", "INFO"])).includes("cluster_state:fail"),
      );
      await cluster.start(1);
      const back = await redisCommand(cluster.nodes[1]!.port, ["CLUSTER", "INFO"]);
      expect(back).toContain("cluster_state:ok");
      // The restarted master kept its slots (nodes.conf) but lost its data (no persistence).
      for (const k of keys) await client.set(k, "v2");
      expect(await client.get("k0")).toBe("v2");
    } finally {
      client.disconnect();
      await cluster.stop();
    }
  }, 60_000);
});
