import { RedisScript } from './scripts.js';

/**
 * Publishes an open breaker (ARGV[2], JSON, for ARGV[3] ms) unless the shared state in KEYS[1]
 * was closed at or after ARGV[1], the time this instance's breaker opened. Returns 1 when the
 * shared state is open afterwards, 0 when a later close wins.
 */
export const PUBLISH_OPEN = new RedisScript(`
local current = redis.call('GET', KEYS[1])
if current then
  local state = cjson.decode(current)
  if state.open then return 1 end
  if tonumber(state.closedAt) >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`);

/**
 * Ends a half-open test: when the lock in KEYS[2] still holds this test's token ARGV[1], sets
 * the state in KEYS[1] to ARGV[2] (closed or open again) for ARGV[3] ms and releases the lock.
 * Returns 0 when the lock expired and another instance may be testing.
 */
export const FINISH_PROBE = new RedisScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('DEL', KEYS[2])
return 1
`);
