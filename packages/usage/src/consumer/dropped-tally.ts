import type { UsageRedis } from "../usage-redis.ts";

/**
 * Raises the stored total to ARGV[1] if it is higher and returns the total it held before. Replicas that
 * observe the same loss all call it; only the first one sees a lower previous total, so each lost record is
 * counted once across the fleet.
 */
const RAISE_SCRIPT = `
local before = tonumber(redis.call('GET', KEYS[1]) or '0')
local seen = tonumber(ARGV[1])
if seen > before then redis.call('SET', KEYS[1], ARGV[1]) end
return before
`;

type TallyClient = UsageRedis & { syUsageRaise(key: string, seen: string): Promise<number> };

/** The key holding how many entries of `streamKey` were lost to trimming before `group` read them. */
export function droppedKey(streamKey: string, group: string): string {
  return `${streamKey}:dropped:${group}`;
}

/**
 * Records an observed cumulative loss and returns how much of it is new (0 when another replica, or an
 * earlier observation, already counted it).
 */
export async function raiseDropped(client: UsageRedis, key: string, total: number): Promise<number> {
  const c = client as TallyClient;
  if (typeof c.syUsageRaise !== "function")
    client.defineCommand("syUsageRaise", { numberOfKeys: 1, lua: RAISE_SCRIPT });
  const before = Number(await c.syUsageRaise(key, String(total)));
  return Math.max(0, total - before);
}
