import { WINDOW_LUA } from "./windows.ts";

/** Joins one acquisition's script arguments into one (see {@link ACQUIRE_SCRIPT}); the script splits on it. */
export const ACQUIRE_SEPARATOR = "\n";

const NOW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * Checks every rule of one slot group and reserves the demand on all of them, or on none, atomically; one
 * script call does this for several acquisitions in a row (the acquisitions of one event-loop turn), each
 * deciding on the counters as the ones before it left them, exactly as separate calls would.
 *
 * ARGV[1]   the number of acquisitions; then per acquisition: its key count and its arguments joined into
 *           one string by {@link ACQUIRE_SEPARATOR} (none of them is empty or holds it). One argument instead
 *           of a dozen: the client frames every argument separately, and that framing cost more per request
 *           than the split here.
 * KEYS      every acquisition's keys, one acquisition after another.
 *
 * One acquisition's keys K and arguments A:
 * K[k]   counter k: a window counter's key base (the script appends `:<windowStartMs>`), or a
 *        concurrency sorted set.
 * A[1..6]  lease TTL ms, expiry margin ms, lease id, input tokens, output tokens, cost (micro-USD).
 * A[5+2k], A[6+2k]  counter k's kind code and window code (0: concurrency), see windows.ts.
 * then per rule r: counter index (1-based), limit, shadow ('1' or '0').
 *
 * The window comes from Redis TIME, so every node agrees on it whatever its own clock. Expired leases are
 * purged first. A rule rejects when its counter is at its limit or the demand does not fit; a shadow rule
 * only reports it. Rules sharing a counter reserve once.
 *
 * Reply: one array per acquisition, { admitted, now, used_1..n, start_1..n, end_1..n, verdict_1..m } with n
 * counters and m rules; `used` after the reservation when admitted, as found otherwise; start and end 0 for
 * concurrency; verdict 0 fits, 1 rejects, 2 a shadow rule would reject.
 */
export const ACQUIRE_SCRIPT = `${WINDOW_LUA}${NOW_LUA}
local function acquire(K, A)
local ttl = tonumber(A[1])
local margin = tonumber(A[2])
local lease = A[3]
local din = tonumber(A[4])
local dout = tonumber(A[5])
local dcost = tonumber(A[6])
local n = #K
local full, used, starts, ends, demand = {}, {}, {}, {}, {}
for k = 1, n do
  local kind = tonumber(A[5 + 2 * k])
  if kind == 6 then
    full[k] = K[k]
    redis.call('ZREMRANGEBYSCORE', K[k], '-inf', now)
    used[k] = redis.call('ZCARD', K[k])
    starts[k], ends[k], demand[k] = 0, 0, 1
  else
    local s, e = bounds(now, tonumber(A[6 + 2 * k]))
    full[k] = K[k] .. ':' .. string.format('%d', s)
    used[k] = tonumber(redis.call('GET', full[k]) or '0')
    starts[k], ends[k] = s, e
    if kind == 1 then demand[k] = 1
    elseif kind == 2 then demand[k] = din
    elseif kind == 3 then demand[k] = dout
    elseif kind == 4 then demand[k] = din + dout
    else demand[k] = dcost end
  end
end
local base = 6 + 2 * n
local m = (#A - base) / 3
local admitted = 1
local verdict = {}
for r = 1, m do
  local k = tonumber(A[base + 3 * r - 2])
  local limit = tonumber(A[base + 3 * r - 1])
  verdict[r] = 0
  if used[k] >= limit or used[k] + demand[k] > limit then
    if A[base + 3 * r] == '1' then verdict[r] = 2 else verdict[r] = 1; admitted = 0 end
  end
end
if admitted == 1 then
  for k = 1, n do
    if ends[k] == 0 then
      redis.call('ZADD', full[k], now + ttl, lease)
      redis.call('PEXPIRE', full[k], ttl + margin)
      used[k] = redis.call('ZCARD', full[k])
    elseif demand[k] > 0 then
      used[k] = redis.call('INCRBY', full[k], string.format('%d', demand[k]))
      if used[k] == demand[k] then redis.call('PEXPIRE', full[k], ends[k] - now + margin) end
    end
  end
end
local reply = { admitted, now }
for k = 1, n do
  reply[2 + k] = used[k]
  reply[2 + n + k] = starts[k]
  reply[2 + 2 * n + k] = ends[k]
end
for r = 1, m do reply[2 + 3 * n + r] = verdict[r] end
return reply
end
local out = {}
local ki = 0
for x = 1, tonumber(ARGV[1]) do
  local nk, packed = tonumber(ARGV[2 * x]), ARGV[2 * x + 1]
  local K, A = {}, {}
  for j = 1, nk do K[j] = KEYS[ki + j] end
  for field in string.gmatch(packed .. '\\n', '(.-)\\n') do A[#A + 1] = field end
  out[x] = acquire(K, A)
  ki = ki + nk
end
return out
`;

/**
 * Adjusts window counters and releases concurrency leases: settle (actual minus charged), checkpoint (usage
 * beyond the reservation) and the refund of a cluster group whose sibling rejected.
 *
 * KEYS[1..c]   full window counter keys; KEYS[c+1..] concurrency sorted sets to remove the lease from.
 * ARGV[1], ARGV[2]   lease id, c.
 * ARGV[1+2i], ARGV[2+2i]   counter i's delta and its window's end (epoch ms).
 * ARGV[last]   expiry margin ms, for a counter this call creates.
 *
 * A counter whose window has ended (by Redis TIME) is left alone: the request was charged to the window it
 * was admitted in, and that window no longer limits anything. A counter never goes below 0.
 * Reply: each counter's value afterwards, -1 where its window had ended.
 */
export const ADJUST_SCRIPT = `${NOW_LUA}
local lease = ARGV[1]
local c = tonumber(ARGV[2])
local margin = tonumber(ARGV[#ARGV])
local out = {}
for i = 1, c do
  local delta = tonumber(ARGV[1 + 2 * i])
  local e = tonumber(ARGV[2 + 2 * i])
  out[i] = -1
  if e > now then
    local v = redis.call('INCRBY', KEYS[i], string.format('%d', delta))
    if v == delta then redis.call('PEXPIRE', KEYS[i], e - now + margin) end
    if v < 0 then
      redis.call('SET', KEYS[i], '0', 'KEEPTTL')
      v = 0
    end
    out[i] = v
  end
end
for i = c + 1, #KEYS do redis.call('ZREM', KEYS[i], lease) end
return out
`;

/**
 * Renews the concurrency leases of calls still running, so a call that outlives the lease TTL keeps its slot;
 * the engine sends one call per slot group every TTL/3 with all of its held leases of that group.
 *
 * KEYS[1..n]   concurrency sorted sets.
 * ARGV[1], ARGV[2]   lease TTL ms, expiry margin ms.
 * then per key, in the order of KEYS: the number m of lease ids, then the m lease ids.
 *
 * Expired leases are purged first, as acquire does, so a lease past its expiry is gone for good. Each given
 * lease still in its set gets the expiry now + TTL (`ZADD XX`: a lease that settle or the purge removed is
 * never added back), and a set in which some lease was renewed lives TTL plus the margin from now.
 * Reply: per key, the number of leases renewed.
 */
export const RENEW_SCRIPT = `${NOW_LUA}
local ttl = tonumber(ARGV[1])
local margin = tonumber(ARGV[2])
local out = {}
local a = 3
for i = 1, #KEYS do
  local m = tonumber(ARGV[a])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  local renewed = 0
  for j = a + 1, a + m do
    renewed = renewed + redis.call('ZADD', KEYS[i], 'XX', 'CH', now + ttl, ARGV[j])
  end
  if renewed > 0 then redis.call('PEXPIRE', KEYS[i], ttl + margin) end
  out[i] = renewed
  a = a + 1 + m
end
return out
`;

/** How long a counter outlives its window, so a late reader (inspection, a replica) still finds it. */
export const COUNTER_EXPIRY_MARGIN_MS = 1000;
