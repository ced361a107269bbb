import { beforeAll, describe, expect, it } from "vitest";
import {
  CONFIG_CHANGES_CHANNEL,
  consumers,
  type Db,
  type NodeStatusInput,
  nodeStatuses,
  parseChangeNotice,
} from "../index.ts";
import { type FreshDb, unwrap } from "./helpers.ts";

const node = (over: Partial<NodeStatusInput> = {}): NodeStatusInput => ({
  nodeId: "dp-1",
  hostname: "host-1",
  labels: { zone: "a" },
  buildVersion: "1.0.0",
  protocolVersion: 1,
  streamId: "stream-1",
  compatible: true,
  incompatibility: null,
  connected: true,
  connectedAt: new Date("2026-01-01T00:00:00Z"),
  lastSeenAt: new Date("2026-01-01T00:00:00Z"),
  ackedVersion: "v1",
  ackedGeneration: 7n,
  ackedAt: new Date("2026-01-01T00:00:01Z"),
  lastNack: null,
  ...over,
});

/** Node status shared by replicas, and change notifications. */
export function fleetSuite(fresh: FreshDb): void {
  describe("fleet status and change notifications", () => {
    let db: Db;
    beforeAll(async () => {
      db = await fresh();
    });

    it("saves statuses in one batch and lists them with the replica that wrote them", async () => {
      const nack = {
        version: "v2",
        error: { code: "compile_failed", message: "bad", entityKind: "route", entityId: "r1" },
        at: new Date("2026-01-01T00:00:02Z"),
      };
      await nodeStatuses.saveNodeStatuses(db, "cp-a", [node(), node({ nodeId: "dp-2", lastNack: nack })]);
      const list = await nodeStatuses.listNodeStatuses(db, { staleAfterMs: 60_000 });
      expect(list.map((n) => [n.nodeId, n.replicaId, n.connected])).toEqual([
        ["dp-1", "cp-a", true],
        ["dp-2", "cp-a", true],
      ]);
      expect(list[0]).toMatchObject({ labels: { zone: "a" }, ackedGeneration: 7n, ackedVersion: "v1", lastNack: null });
      expect(list[1]?.lastNack).toEqual(nack);
      // Connected nodes are stamped with the database clock, not the writer's.
      expect(Date.now() - (list[0]?.lastSeenAt.getTime() ?? 0)).toBeLessThan(60_000);
    });

    it("lets a newer stream win over a late report about the node's older stream", async () => {
      const newer = node({ streamId: "stream-2", connectedAt: new Date("2026-01-01T00:01:00Z"), ackedVersion: "v9" });
      await nodeStatuses.saveNodeStatuses(db, "cp-b", [newer]);
      // cp-a now reports the old stream ended: it must not overwrite cp-b's row.
      await nodeStatuses.saveNodeStatuses(db, "cp-a", [node({ connected: false })]);
      const dp1 = (await nodeStatuses.listNodeStatuses(db, { staleAfterMs: 60_000 }))[0];
      expect(dp1).toMatchObject({ replicaId: "cp-b", streamId: "stream-2", connected: true, ackedVersion: "v9" });
      // The same stream may update its own row, including to disconnected.
      await nodeStatuses.saveNodeStatuses(db, "cp-b", [{ ...newer, connected: false }]);
      expect((await nodeStatuses.listNodeStatuses(db, { staleAfterMs: 60_000 }))[0]?.connected).toBe(false);
    });

    it("shows a node disconnected once its replica stopped stamping it, and prunes old rows", async () => {
      await nodeStatuses.saveNodeStatuses(db, "cp-a", [node({ nodeId: "dp-3", streamId: "s3" })]);
      await new Promise((r) => setTimeout(r, 30));
      const list = await nodeStatuses.listNodeStatuses(db, { staleAfterMs: 10 });
      expect(list.find((n) => n.nodeId === "dp-3")?.connected).toBe(false);
      expect(await nodeStatuses.pruneNodeStatuses(db, 10)).toBe(3);
      expect(await nodeStatuses.listNodeStatuses(db, { staleAfterMs: 10 })).toEqual([]);
    });

    it("announces every committed change row on the change channel, and nothing rolled back", async () => {
      const heard: string[] = [];
      const stop = await db.listen(CONFIG_CHANGES_CHANNEL, { onPayload: (p) => heard.push(p) });
      try {
        const c = unwrap(await consumers.create(db, { name: "notified" }));
        const failed = await consumers.create(db, { name: "notified" });
        expect(failed.ok).toBe(false);
        const deadline = Date.now() + 5_000;
        while (heard.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 50));
        expect(heard.map(parseChangeNotice)).toEqual([
          { generation: c.generation, entityKind: "consumer", op: "create" },
        ]);
      } finally {
        await stop();
      }
      expect(parseChangeNotice("garbage")).toBeNull();
    });
  });
}
