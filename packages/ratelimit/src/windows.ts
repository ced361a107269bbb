import type { RuleKind, RuleWindow } from "./engine-types.ts";

/** Window codes shared with the Lua scripts; 0 means no window (concurrency). */
export const WINDOW_CODE: Readonly<Record<RuleWindow, number>> = { second: 1, minute: 2, hour: 3, day: 4, month: 5 };

/** Counter kind codes shared with the Lua scripts. */
export const KIND_CODE: Readonly<Record<RuleKind, number>> = {
  requests: 1,
  input_tokens: 2,
  output_tokens: 3,
  total_tokens: 4,
  cost_usd: 5,
  concurrency: 6,
};

const FIXED_MS = [0, 1_000, 60_000, 3_600_000, 86_400_000] as const;

/**
 * Start and end (epoch ms, end exclusive) of the UTC calendar window containing `nowMs`. Second to day are
 * multiples of their length since the epoch (UTC has no leap seconds in epoch time); month is the calendar
 * month. The Lua in {@link WINDOW_LUA} computes the same from Redis TIME; a test compares both.
 */
export function windowBounds(nowMs: number, code: number): readonly [startMs: number, endMs: number] {
  if (code === 5) {
    const d = new Date(nowMs);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth();
    return [Date.UTC(y, m, 1), Date.UTC(y, m + 1, 1)];
  }
  const len = FIXED_MS[code as 1 | 2 | 3 | 4];
  if (len === undefined) throw new Error(`unknown window code ${code}`);
  const start = Math.floor(nowMs / len) * len;
  return [start, start + len];
}

/**
 * `bounds(now, code)` in Lua 5.1 (doubles are exact for epoch milliseconds). The month uses Howard Hinnant's
 * civil-from-days algorithm: days since the epoch -> year, month, day of month, without any date library.
 */
export const WINDOW_LUA = `
local FIXED_MS = { 1000, 60000, 3600000, 86400000 }
local MONTH_DAYS = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
local function bounds(now, code)
  if code ~= 5 then
    local len = FIXED_MS[code]
    local s = math.floor(now / len) * len
    return s, s + len
  end
  local days = math.floor(now / 86400000)
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local dom = doy - math.floor((153 * mp + 2) / 5)
  local m = mp + 3
  if mp >= 10 then m = mp - 9 end
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  local len = MONTH_DAYS[m]
  if m == 2 and y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0) then len = 29 end
  local s = (days - dom) * 86400000
  return s, s + len * 86400000
end
`;
