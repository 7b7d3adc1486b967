// Lua scripts for the Redis operations that must be atomic. An artifact is a hash:
// p = payload JSON, g = its grant's index key, c = consumed-at (epoch s), r = reuse grace (s), e = renewed exp.
// A grant's index is a set of the keys of its artifacts, the Grant's own key included; all share one hash tag.

/** KEYS: artifact, [grant index]. ARGV: payload JSON, ttl seconds, reuse grace seconds, consumed-at or ''. */
export const UPSERT = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'p', ARGV[1], 'r', ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'c', ARGV[4]) end
if KEYS[2] then
  redis.call('HSET', KEYS[1], 'g', KEYS[2])
  redis.call('SADD', KEYS[2], KEYS[1])
  if redis.call('TTL', KEYS[2]) < tonumber(ARGV[2]) then
    redis.call('EXPIRE', KEYS[2], ARGV[2])
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
`;

/** KEYS: artifact, [grant index]. ARGV: new exp (epoch s), ttl. Field e overrides the payload's exp. */
export const RENEW = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'e') or '0') < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'e', ARGV[1]) end
for _, key in ipairs(KEYS) do
  if redis.call('TTL', key) < tonumber(ARGV[2]) then redis.call('EXPIRE', key, ARGV[2]) end
end
return 1
`;

/** Deletes every member of a grant index (filtered by `:Model:` segments in ARGV when given), then the index. */
const REVOKE_GRANT = `
local function revoke(index, models)
  for _, key in ipairs(redis.call('SMEMBERS', index)) do
    local keep = false
    if #models > 0 then
      keep = true
      for _, model in ipairs(models) do
        if string.find(key, ':' .. model .. ':', 1, true) then keep = false end
      end
    end
    if not keep then
      redis.call('DEL', key)
      redis.call('SREM', index, key)
    end
  end
  if #models == 0 then redis.call('DEL', index) end
end
`;

/** KEYS: grant index. ARGV: model names to revoke (none = everything, the Grant included). */
export const REVOKE = `${REVOKE_GRANT}
revoke(KEYS[1], ARGV)
`;

/** KEYS: artifact. ARGV: now (epoch s). Returns consumed | grace | reused | missing; `reused` revokes the grant. */
export const CONSUME = `${REVOKE_GRANT}
local entry = redis.call('HMGET', KEYS[1], 'p', 'c', 'r', 'g')
if not entry[1] then return 'missing' end
if not entry[2] then
  redis.call('HSET', KEYS[1], 'c', ARGV[1])
  return 'consumed'
end
if tonumber(ARGV[1]) - tonumber(entry[2]) < tonumber(entry[3] or '0') then return 'grace' end
if entry[4] then revoke(entry[4], {}) end
return 'reused'
`;

/** KEYS: counter. ARGV: window seconds. Counts one hit; the first hit of a window starts its expiry. */
export const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
`;
