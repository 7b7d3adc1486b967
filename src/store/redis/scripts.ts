// Lua scripts for the Redis operations that must be atomic. An artifact is a hash:
// p = payload JSON, g = the index it is filed in, c = consumed-at (epoch s), r = reuse grace (s), e = renewed exp;
// a rotated refresh token also has n = its successor's key and s = the successor's id, sealed (see successor-seal.ts;
// empty when the token has no reuse grace, so that no one may be handed it, unless KEEP_FOR_RETRY kept it, and
// widened r, for the retry of a rotation that timed out).
// An index (a grant's artifacts, a client's ClientCredentials tokens, a client's grants) is a sorted set of keys
// scored by when they expire, on Redis's clock; an index and the keys it holds share one hash tag, except a
// client's grants, whose members are the grants' own indexes.
//
// A full Redis (maxmemory with noeviction) checks a script against its limit only at the script's first write, and
// only if that write is one that can grow memory (SET, HSET, ZADD, INCR...; not DEL, HDEL, EXPIRE): a script whose
// first write is a DEL goes on writing past the limit. So every script here that stores something makes such a write
// its first one, and a full Redis refuses it whole (`OOM command not allowed`) before anything changed. Scripts
// that only remove (a revocation) still run, and free memory. This holds on every Redis from 5.0; Redis 7's
// `#!lua` flags would say it more directly but are a syntax error before 7.0.

/**
 * Files a member in an index until now + ttl (never earlier than it already was), drops members that have expired,
 * and keeps the index alive at least as long as the member. A script that files twice in one index reads the clock,
 * prunes, and extends the index's life once. `fileNew` files members just created (a rotation's successor and access
 * token), which cannot be filed yet: no score to read first, and one ZADD for all of them.
 */
const FILE = `
local now, kept = nil, {}
local function keep(index, ttl)
  if not kept[index] then redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. now) end
  if (kept[index] or -1) < ttl then
    if redis.call('TTL', index) < ttl then redis.call('EXPIRE', index, ttl) end
    kept[index] = ttl
  end
end
local function file(index, member, ttl)
  now = now or tonumber(redis.call('TIME')[1])
  local expires = now + ttl
  local current = redis.call('ZSCORE', index, member)
  if not current or tonumber(current) < expires then redis.call('ZADD', index, expires, member) end
  keep(index, ttl)
end
-- members: member, ttl, member, ttl...
local function fileNew(index, members)
  now = now or tonumber(redis.call('TIME')[1])
  local scored, longest = {}, 0
  for i = 1, #members, 2 do
    scored[i], scored[i + 1] = now + members[i + 1], members[i]
    longest = math.max(longest, members[i + 1])
  end
  redis.call('ZADD', index, unpack(scored))
  keep(index, longest)
end
`;

/**
 * Replaces an artifact: payload JSON, ttl seconds, reuse grace seconds, consumed-at or '', filed in `index` if given.
 * Fields the new version does not set are removed after the first (checked) write, never before it.
 * `create` stores artifacts whose keys are new (ids just minted, of 256 random bits), all filed in one index: no stale
 * field to remove. items: {key, payload JSON, ttl seconds, reuse grace seconds}...
 */
const STORE = `${FILE}
local function store(key, index, payload, ttl, grace, consumed)
  local fields, stale = { 'p', payload, 'r', grace }, { 'e', 'n', 's' }
  if consumed ~= '' then table.insert(fields, 'c'); table.insert(fields, consumed) else table.insert(stale, 'c') end
  if index then table.insert(fields, 'g'); table.insert(fields, index) else table.insert(stale, 'g') end
  redis.call('HSET', key, unpack(fields))
  redis.call('HDEL', key, unpack(stale))
  if index then file(index, key, tonumber(ttl)) end
  redis.call('EXPIRE', key, ttl)
end
local function create(index, items)
  local members = {}
  for _, item in ipairs(items) do
    redis.call('HSET', item[1], 'p', item[2], 'r', item[4], 'g', index)
    table.insert(members, item[1]); table.insert(members, tonumber(item[3]))
  end
  fileNew(index, members)
  for _, item in ipairs(items) do redis.call('EXPIRE', item[1], item[3]) end
end
`;

/** KEYS: artifact, [its index]. ARGV: payload JSON, ttl seconds, reuse grace seconds, consumed-at or ''. */
export const UPSERT = `${STORE}
store(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
`;

/** KEYS: artifact. Removes its consumed-at unless a successor is linked to it (ArtifactStore.unconsume). */
export const UNCONSUME = `
if redis.call('HEXISTS', KEYS[1], 'n') == 0 then redis.call('HDEL', KEYS[1], 'c') end
`;

/** KEYS: index. ARGV: member (a key, possibly of another slot), ttl seconds. */
export const INDEX = `${FILE}
file(KEYS[1], ARGV[1], tonumber(ARGV[2]))
`;

/**
 * KEYS: artifact, [its index]. ARGV: new exp (epoch s), ttl. Field e overrides the payload's exp.
 * Returns 0 when the artifact is absent; with an index, the payload's clientId when it has one; else 1.
 */
export const RENEW = `${FILE}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local ttl = tonumber(ARGV[2])
-- Always written, even unchanged: the first write must be one a full Redis checks.
redis.call('HSET', KEYS[1], 'e', math.max(tonumber(redis.call('HGET', KEYS[1], 'e') or '0'), tonumber(ARGV[1])))
if redis.call('TTL', KEYS[1]) < ttl then redis.call('EXPIRE', KEYS[1], ttl) end
if KEYS[2] then
  file(KEYS[2], KEYS[1], ttl)
  local ok, payload = pcall(cjson.decode, redis.call('HGET', KEYS[1], 'p'))
  if ok and type(payload) == 'table' and type(payload.clientId) == 'string' then return payload.clientId end
end
return 1
`;

/** Deletes every member of an index (filtered by `:Model:` segments in ARGV when given), then the index. */
const REVOKE_INDEX = `
local function revoke(index, models)
  for _, key in ipairs(redis.call('ZRANGE', index, 0, -1)) do
    local keep = false
    if #models > 0 then
      keep = true
      for _, model in ipairs(models) do
        if string.find(key, ':' .. model .. ':', 1, true) then keep = false end
      end
    end
    if not keep then
      redis.call('DEL', key)
      if #models > 0 then redis.call('ZREM', index, key) end
    end
  end
  if #models == 0 then redis.call('DEL', index) end
end
`;

/** KEYS: index. ARGV: model names to revoke (none = everything, the index included). */
export const REVOKE = `${REVOKE_INDEX}
revoke(KEYS[1], ARGV)
`;

/**
 * KEYS: index. ARGV: batch size. Deletes the batch's soonest-expiring members and their keys; returns how many are
 * left, so that a large index (a busy client's tokens) is revoked without blocking Redis for long.
 */
export const REVOKE_BATCH = `
local popped = redis.call('ZPOPMIN', KEYS[1], ARGV[1])
for i = 1, #popped, 2 do redis.call('DEL', popped[i]) end
return redis.call('ZCARD', KEYS[1])
`;

/**
 * Reads a consumable artifact and decides what presenting it now means, writing nothing but a revocation (it needs
 * REVOKE_INDEX before it): `fresh` (never consumed), `grace`, `reused` (the grant is revoked here) or `missing`, with the artifact's fields.
 * Within the grace window it is still reuse once the successor has been consumed or is gone (RFC 9700 §4.14.2: an
 * old token of a chain that has moved on).
 */
const SPEND = `
local function spend(key, now)
  local entry = redis.call('HMGET', key, 'p', 'c', 'r', 'g', 'n', 's')
  if not entry[1] then return 'missing' end
  if not entry[2] then return 'fresh', entry end
  if now - tonumber(entry[2]) < tonumber(entry[3] or '0') then
    local successor = entry[5]
    if not successor or (redis.call('EXISTS', successor) == 1 and redis.call('HEXISTS', successor, 'c') == 0) then return 'grace', entry end
  end
  if entry[4] then revoke(entry[4], {}) end
  return 'reused'
end
`;

/** KEYS: artifact. ARGV: now (epoch s). Returns consumed | grace | reused | missing; `reused` revokes the grant. */
export const CONSUME = `${REVOKE_INDEX}${SPEND}
local outcome = spend(KEYS[1], tonumber(ARGV[1]))
if outcome ~= 'fresh' then return outcome end
redis.call('HSET', KEYS[1], 'c', ARGV[1])
return 'consumed'
`;

/**
 * A refresh token's consumption, its successor and the access token it buys, in one step (ArtifactStore.rotate).
 * KEYS: spent token, successor, the grant's index, [an artifact stored alongside] (one slot: all carry the grant's
 * tag). ARGV: now (epoch s), successor payload JSON, ttl seconds, reuse grace seconds, sealed successor id,
 * [alongside payload JSON, ttl seconds].
 * Returns {outcome} for reused (the grant revoked) and missing, having stored nothing; {'consumed'}, or {'grace'} when
 * this successor is the first linked to a token spent within its grace window; {'grace', sealed} when one already is:
 * then only the alongside artifact is stored. The first write is always an HSET, so a full Redis refuses it whole.
 * The successor and the alongside artifact have ids the server just minted, so they are created, not replaced.
 */
export const ROTATE = `${STORE}${REVOKE_INDEX}${SPEND}
local outcome, entry = spend(KEYS[1], tonumber(ARGV[1]))
if outcome == 'missing' or outcome == 'reused' then return { outcome } end
local linked = entry[6]
local created = {}
if not linked then created[1] = { KEYS[2], ARGV[2], ARGV[3], ARGV[4] } end
if KEYS[4] then table.insert(created, { KEYS[4], ARGV[6], ARGV[7], 0 }) end
if outcome == 'fresh' then redis.call('HSET', KEYS[1], 'c', ARGV[1], 'n', KEYS[2], 's', ARGV[5]) end
if #created > 0 then create(KEYS[3], created) end
if outcome ~= 'fresh' and not linked then redis.call('HSET', KEYS[1], 'n', KEYS[2], 's', ARGV[5]) end
if outcome == 'fresh' then return { 'consumed' } end
return { 'grace', linked }
`;

/**
 * KEYS: an artifact. Returns its fields p, c, e, r, g and, when it is filed in a grant's index (g), that Grant's p and
 * e: the Grant's key is its index's with `Grant` for `grant-artifacts` (keys.ts), in the same slot. One round trip for a
 * refresh token and the grant oidc-provider loads next.
 */
export const FIND_WITH_GRANT = `
local entry = redis.call('HMGET', KEYS[1], 'p', 'c', 'e', 'r', 'g')
if not entry[1] or not entry[5] then return entry end
local head, digest = string.match(entry[5], '^(.*):grant%-artifacts:([^:]+)$')
if not head then return entry end
local grant = redis.call('HMGET', head .. ':Grant:' .. digest, 'p', 'e')
return { entry[1], entry[2], entry[3], entry[4], entry[5], grant[1], grant[2] }
`;

/**
 * Sent right behind a rotation (ROTATE) that timed out, on the same connection, so a stalled Redis runs it right after
 * that rotation. KEYS: the spent refresh token, the successor that rotation stored. ARGV: the successor's id sealed
 * (successor-seal.ts), retry window (s). Only when that rotation did run (the token's successor is that one): seals the
 * successor beside the token and widens its reuse grace to end the window after now (Redis's clock), so that the retry
 * the timeout's 503 asked for is answered as a presentation within the grace (that same successor; reuse once it has
 * been used). Returns 1 when it marked the token, else 0. The first write is an HSET (a full Redis refuses it whole).
 */
export const KEEP_FOR_RETRY = `
local entry = redis.call('HMGET', KEYS[1], 'n', 'c', 'r')
if entry[1] ~= KEYS[2] or not entry[2] then return 0 end
local now = tonumber(redis.call('TIME')[1])
local grace = math.max(now - tonumber(entry[2]), 0) + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 's', ARGV[1], 'r', math.max(tonumber(entry[3] or '0'), grace))
return 1
`;

/** KEYS: counter. ARGV: window seconds. Counts one hit; the first hit of a window starts its expiry. */
export const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
`;

/** KEYS: the counter. Takes back one hit; DECR keeps the key's TTL, so the window ends when it would have. */
export const RELEASE = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
`;
