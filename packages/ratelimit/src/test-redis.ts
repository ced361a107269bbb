import { once } from "node:events";
import { Redis } from "ioredis";

/** A client configured as the engine expects (no offline queue, no retries), connected; tests only. */
export async function engineClient(url: string): Promise<Redis> {
  const c = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 50, 300),
  });
  c.on("error", () => {});
  if (c.status !== "ready") await once(c, "ready");
  return c;
}

/** Redis's clock in epoch milliseconds. */
export async function redisNowMs(r: Redis): Promise<number> {
  const [s, us] = await r.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** Waits for the next minute if fewer than `needMs` remain in this one, so a test's calls share a window. */
export async function freshMinute(r: Redis, needMs = 8_000): Promise<void> {
  const now = await redisNowMs(r);
  const left = 60_000 - (now % 60_000);
  if (left < needMs) await new Promise((res) => setTimeout(res, left + 10));
}
