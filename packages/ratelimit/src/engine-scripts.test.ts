import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisInstance, startRedis } from "../../../test/harness/index.ts";
import { WINDOW_CODE, WINDOW_LUA, windowBounds } from "./windows.ts";

/** Test-only script: the engine's own window Lua, evaluated for the `now` values given as ARGV. */
const PROBE = `${WINDOW_LUA}
local out = {}
for i = 1, #ARGV, 2 do
  local s, e = bounds(tonumber(ARGV[i]), tonumber(ARGV[i + 1]))
  out[#out + 1] = s
  out[#out + 1] = e
end
return out
`;

function timestamps(): number[] {
  const out: number[] = [];
  // Every month boundary from 1999 to 2101 (1900 and 2100 are not leap years, 2000 is), a millisecond either side.
  for (let y = 1999; y <= 2101; y++) {
    for (let m = 0; m < 12; m++) {
      const b = Date.UTC(y, m, 1);
      out.push(b - 1, b, b + 1, b + 86_400_000 * 14 + 12_345);
    }
  }
  // And random instants between 1970 and 2200.
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  for (let i = 0; i < 2000; i++) out.push(Math.floor(rnd() * Date.UTC(2200, 0, 1)));
  return out;
}

describe("the window Lua against JavaScript's calendar", () => {
  let inst: RedisInstance;
  let redis: Redis;
  beforeAll(async () => {
    inst = await startRedis();
    redis = new Redis(inst.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await inst.stop();
  });

  it("computes the same window start and end for every window and thousands of instants", async () => {
    const all = timestamps();
    for (const code of Object.values(WINDOW_CODE)) {
      for (let off = 0; off < all.length; off += 500) {
        const batch = all.slice(off, off + 500);
        const reply = (await redis.eval(PROBE, 0, ...batch.flatMap((t) => [t, code]))) as number[];
        const expected = batch.flatMap((t) => windowBounds(t, code));
        expect(reply).toEqual(expected);
      }
    }
  });
});
