import { describe, expect, it } from "vitest";
import { startRedis } from "./redis.ts";

describe("startRedis", () => {
  it("stop() after kill() returns at once (a killed process has no exit code, only a signal)", async () => {
    const redis = await startRedis();
    await redis.kill();
    const started = Date.now();
    await redis.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
  }, 15_000);
});
