/**
 * Checks and counts one request against all its rules in one atomic round trip.
 *
 * KEYS[i]  key base of rule i (see keys.ts); the script appends `:<windowStartMs>`.
 * ARGV[1]  expiry margin in ms, added to each key's TTL past its window end.
 * ARGV[2i], ARGV[2i+1]  limit and window length (ms) of rule i.
 *
 * The window comes from Redis TIME so every node agrees on it regardless of its own clock. All counters
 * are read first; if any rule is at its limit nothing is incremented, so rejected requests consume
 * nothing. Rules that resolve to the same key are incremented once. Because the script runs atomically,
 * at most `limit` requests are admitted per window however many nodes ask at once.
 *
 * Reply: { admitted (1|0), count_1..count_n, msToWindowEnd_1..msToWindowEnd_n }, counts after the
 * increment when admitted, unchanged otherwise.
 */
export const REQUEST_LIMIT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local margin = tonumber(ARGV[1])
local n = #KEYS
local keys, counts, ends = {}, {}, {}
local admitted = 1
for i = 1, n do
  local limit = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  local start = math.floor(now / window) * window
  keys[i] = KEYS[i] .. ':' .. string.format('%d', start)
  ends[i] = start + window - now
  counts[i] = tonumber(redis.call('GET', keys[i]) or '0')
  if counts[i] >= limit then admitted = 0 end
end
if admitted == 1 then
  local after = {}
  for i = 1, n do
    local key = keys[i]
    if after[key] == nil then
      after[key] = redis.call('INCR', key)
      if after[key] == 1 then redis.call('PEXPIRE', key, ends[i] + margin) end
    end
    counts[i] = after[key]
  end
end
local reply = { admitted }
for i = 1, n do
  reply[1 + i] = counts[i]
  reply[1 + n + i] = ends[i]
end
return reply
`;

/** How long a counter outlives its window, so a late reader (inspection, a replica) still finds it. */
export const EXPIRY_MARGIN_MS = 1000;
