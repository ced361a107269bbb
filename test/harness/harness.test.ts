import { Redis } from "ioredis";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { startPostgres, startRedis } from "./index.ts";

describe("harness", () => {
  it("starts a real PostgreSQL and stops it", async () => {
    const inst = await startPostgres();
    try {
      const c = new pg.Client({ connectionString: inst.url });
      await c.connect();
      const r = await c.query("select 1 + 1 as n");
      expect(r.rows[0].n).toBe(2);
      await c.end();
    } finally {
      await inst.stop();
    }
  }, 60_000);

  it("starts a real Redis and can kill and restart it", async () => {
    const inst = await startRedis();
    const r = new Redis(inst.url, { maxRetriesPerRequest: 0, lazyConnect: true });
    await r.connect();
    expect(await r.ping()).toBe("PONG");
    r.disconnect();
    await inst.kill();
    await inst.start();
    const r2 = new Redis(inst.url);
    expect(await r2.ping()).toBe("PONG");
    r2.disconnect();
    await inst.stop();
  }, 30_000);
});
