import { createHash } from 'node:crypto';

/** A Lua script, run with EVALSHA and loaded with EVAL when the server does not know it. */
export class RedisScript {
  readonly source: string;
  readonly sha1: string;

  constructor(source: string) {
    this.source = source;
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }
}

/**
 * Lua compares strings with `strcoll`, and Redis sets the collation from its environment, so
 * version strings are compared byte by byte here instead.
 */
const NEWER = `
local function newer(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end
`;

/**
 * Sets KEYS[1] to ARGV[2] for ARGV[3] ms unless it contains a value whose version (the text up to
 * the first newline) is the same as or newer than ARGV[1]. Returns 1 when it set the value.
 */
export const SET_IF_NEWER = new RedisScript(`${NEWER}
local current = redis.call('GET', KEYS[1])
if current then
  local stored = string.sub(current, 1, (string.find(current, '\\n', 1, true) or 0) - 1)
  if not newer(ARGV[1], stored) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`);

/**
 * Sliding-window rate limit, the arithmetic of sliding-window.ts. KEYS[1] is a hash of the
 * agent's counters; ARGV: limit, window in ms, and the time in ms (empty: the server's clock,
 * which every instance shares). Returns {allowed (0 or 1), remaining, retry after in ms}.
 */
export const RATE_LIMIT = new RedisScript(`
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local index = math.floor(now / window)
local stored = redis.call('HMGET', KEYS[1], 'index', 'current', 'previous')
local at = tonumber(stored[1])
local current, previous = tonumber(stored[2]) or 0, tonumber(stored[3]) or 0
if not at or at < index - 1 then
  at, current, previous = index, 0, 0
elseif at == index - 1 then
  at, previous, current = index, current, 0
end
local elapsed = now - at * window
local estimate = previous * (window - elapsed) / window + current
if estimate + 1 <= limit then
  redis.call('HSET', KEYS[1], 'index', at, 'current', current + 1, 'previous', previous)
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return {1, math.floor(limit - estimate - 1), 0}
end
local wait
if current + 1 <= limit then
  wait = math.ceil(window - elapsed - (limit - current - 1) * window / previous)
else
  wait = window - elapsed + math.ceil(window - (limit - 1) * window / current)
end
return {0, 0, math.max(1, wait)}
`);
