/**
 * The Lua scripts of the Redis store. Each one touches exactly one key (passed in KEYS), so
 * every script is valid in Redis Cluster whatever slot its key hashes to; the writes that span
 * a session and its user index are ordered by the caller instead (see redis.ts and
 * docs/stores.md (Redis section)).
 *
 * Numbers cross into Lua as strings and are compared with tonumber(); they are never turned
 * back into strings in Lua (Lua 5.1 prints 1.7e+12), so every time written comes from ARGV.
 * @module
 */

import { createHash } from 'node:crypto'

/** A script with its SHA-1, for EVALSHA with an EVAL fallback. */
export interface LuaScript {
  readonly name: string
  readonly source: string
  readonly sha: string
}

function script(name: string, source: string): LuaScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') }
}

/**
 * unpack() has a small stack limit (~8000 values), and a session may have 10,000 keys: HSET
 * and HDEL go out in chunks of 1000 arguments (an even number, so pairs never split).
 */
const CHUNKED = `
local function chunked(command, key, args, first, last)
  local i = first
  while i <= last do
    local j = math.min(i + 999, last)
    redis.call(command, key, unpack(args, i, j))
    i = j + 1
  end
end
`

/**
 * set: replace the whole session hash atomically.
 * KEYS[1] session. ARGV[1] PEXPIREAT ms, ARGV[2..] field/value pairs.
 * Returns the previous `m:userId` (JSON) or nil, so the caller can unindex a changed owner.
 */
export const SET_SESSION = script(
  'set',
  `${CHUNKED}
local previous = redis.call('HGET', KEYS[1], 'm:userId')
redis.call('DEL', KEYS[1])
chunked('HSET', KEYS[1], ARGV, 2, #ARGV)
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return previous
`,
)

/** Reply codes of {@link UPDATE_SESSION}. */
export const UPDATE_RESULT = {
  /** No such session: destroyed, revoked, never created or expired by the engine. */
  missing: 0,
  /** Applied; the reply's second element is the previous `m:userId`. */
  applied: 1,
  /** The user index of the owner (second element) must first cover the new expiry. */
  needsIndex: 2,
  /** The session exists but expiresAt <= now by the caller's clock. */
  expired: 3,
} as const

/**
 * patch and touch: apply a change set, only to a live session, never creating one.
 *
 * KEYS[1] session.
 * ARGV[1] now, ARGV[2] expiresAt, ARGV[3] PEXPIREAT ms, ARGV[4] lastSeenAt,
 * ARGV[5] updatedAt ('' for touch: left alone),
 * ARGV[6] the new userId as JSON ('' when the patch does not name it),
 * ARGV[7] a userId (JSON) whose index the caller has raised for this session ('' for none),
 * ARGV[8] the score it was raised to,
 * ARGV[9] meta pair count, ARGV[10] set pair count, ARGV[11] removed field count,
 * then the meta pairs, the set pairs (fields already prefixed `d:`) and the removed fields.
 *
 * The owner's user index must list the session with a score >= its expiry before the session
 * is extended, or a trim of the index could drop a live session and a later "log out
 * everywhere" would miss it. The index is another key (another slot), so the script cannot
 * update it: it checks `x:indexed`, the score the index is known to hold for the current
 * owner, and answers needsIndex when that is not enough; the caller raises the index and
 * calls again with ARGV[7]/ARGV[8].
 */
export const UPDATE_SESSION = script(
  'update',
  `${CHUNKED}
local key = KEYS[1]
-- One read for every check: HMGET answers false for a missing field.
local got = redis.call('HMGET', key, 'm:expiresAt', 'm:userId', 'x:indexed')
local expires = got[1]
if not expires then return {0} end
if tonumber(expires) == nil or tonumber(expires) <= tonumber(ARGV[1]) then return {3} end

local current = got[2] or 'null'
local owner = current
if ARGV[6] ~= '' then owner = ARGV[6] end
local newIndexed = nil
if owner ~= 'null' then
  local covered = 0
  if owner == current then
    covered = tonumber(got[3] or '0') or 0
  end
  if owner == ARGV[7] and tonumber(ARGV[8]) > covered then
    covered = tonumber(ARGV[8])
    newIndexed = ARGV[8]
  end
  if covered < tonumber(ARGV[2]) then return {2, owner} end
end

local metaCount = tonumber(ARGV[9])
local setCount = tonumber(ARGV[10])
local removeCount = tonumber(ARGV[11])
-- The times, the owner, the metadata and the data in one HSET: each redis.call from a script
-- costs more than the command itself.
local fields = {'m:expiresAt', ARGV[2], 'm:lastSeenAt', ARGV[4]}
if ARGV[5] ~= '' then
  fields[#fields + 1] = 'm:updatedAt'
  fields[#fields + 1] = ARGV[5]
end
if ARGV[6] ~= '' then
  fields[#fields + 1] = 'm:userId'
  fields[#fields + 1] = ARGV[6]
end
if newIndexed then
  fields[#fields + 1] = 'x:indexed'
  fields[#fields + 1] = newIndexed
end
local count = #fields
local pairsEnd = 11 + 2 * (metaCount + setCount)
for i = 12, pairsEnd do
  count = count + 1
  fields[count] = ARGV[i]
end
chunked('HSET', key, fields, 1, count)
if owner == 'null' and got[3] then redis.call('HDEL', key, 'x:indexed') end
chunked('HDEL', key, ARGV, pairsEnd + 1, pairsEnd + removeCount)
redis.call('PEXPIREAT', key, ARGV[3])
return {1, current}
`,
)

/**
 * touch: UPDATE_SESSION without a data or metadata change, so lighter for Redis and the client:
 * one HMGET reads what the checks need, one HSET writes the times (and the raised index score).
 *
 * KEYS[1] session.
 * ARGV[1] now, ARGV[2] expiresAt, ARGV[3] PEXPIREAT ms, ARGV[4] lastSeenAt,
 * ARGV[5] a userId (JSON) whose index the caller has raised for this session ('' for none),
 * ARGV[6] the score it was raised to.
 * Replies as UPDATE_SESSION does, with the same index rule.
 */
export const TOUCH_SESSION = script(
  'touch',
  `
local key = KEYS[1]
local found = redis.call('HMGET', key, 'm:expiresAt', 'm:userId', 'x:indexed')
local expires = found[1]
if not expires then return {0} end
if tonumber(expires) == nil or tonumber(expires) <= tonumber(ARGV[1]) then return {3} end

local owner = found[2] or 'null'
if owner ~= 'null' then
  local covered = tonumber(found[3] or '0') or 0
  if owner == ARGV[5] and tonumber(ARGV[6]) > covered then
    if tonumber(ARGV[6]) < tonumber(ARGV[2]) then return {2, owner} end
    redis.call('HSET', key, 'm:expiresAt', ARGV[2], 'm:lastSeenAt', ARGV[4], 'x:indexed', ARGV[6])
    redis.call('PEXPIREAT', key, ARGV[3])
    return {1, owner}
  end
  if covered < tonumber(ARGV[2]) then return {2, owner} end
end

redis.call('HSET', key, 'm:expiresAt', ARGV[2], 'm:lastSeenAt', ARGV[4])
redis.call('PEXPIREAT', key, ARGV[3])
return {1, owner}
`,
)

/**
 * destroy: delete the session and return its owner (JSON) so the caller can then drop it from
 * the owner's index: the session is gone before its index entry is.
 * KEYS[1] session.
 */
export const DESTROY_SESSION = script(
  'destroy',
  `
local owner = redis.call('HGET', KEYS[1], 'm:userId')
redis.call('DEL', KEYS[1])
return owner
`,
)

/**
 * destroyByUser: delete the session only if it still belongs to the user being revoked (it may
 * have moved to another user since the index was read). 1 when deleted.
 * KEYS[1] session. ARGV[1] the userId as JSON.
 */
export const DESTROY_IF_OWNED = script(
  'destroyIfOwned',
  `
if redis.call('HGET', KEYS[1], 'm:userId') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`,
)

/**
 * cleanup: delete the session if it expired by `now` (or is not a readable session hash).
 * KEYS[1] session. ARGV[1] now. Returns {1, owner JSON or ''} when deleted, {0} otherwise.
 */
export const EXPIRE_SESSION = script(
  'expireSession',
  `
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return {0} end
local expires = tonumber(redis.call('HGET', KEYS[1], 'm:expiresAt') or '')
if expires ~= nil and expires > tonumber(ARGV[1]) then return {0} end
local owner = redis.call('HGET', KEYS[1], 'm:userId') or ''
redis.call('DEL', KEYS[1])
return {1, owner}
`,
)

/**
 * cleanup: delete the token if it expired by `now` (or cannot be read). 1 when deleted.
 * KEYS[1] token. ARGV[1] now.
 */
export const EXPIRE_TOKEN = script(
  'expireToken',
  `
if redis.call('TYPE', KEYS[1]).ok ~= 'string' then return 0 end
local ok, token = pcall(cjson.decode, redis.call('GET', KEYS[1]))
if ok and type(token) == 'table' and type(token.expiresAt) == 'number'
  and token.expiresAt > tonumber(ARGV[1]) then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
`,
)

/**
 * Add (or raise) a session in a user index, and keep the index's TTL at its highest score so
 * the index outlives every session it lists and then disappears by itself.
 * KEYS[1] user index. ARGV[1] session key, ARGV[2] score (whole ms).
 */
export const INDEX_ADD = script(
  'indexAdd',
  `
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], top[2])
return 1
`,
)

/**
 * listByUser: drop entries whose score (an expiry) has passed, then list the rest.
 * KEYS[1] user index. ARGV[1] now.
 */
export const INDEX_TRIM_AND_LIST = script(
  'indexTrimAndList',
  `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
`,
)
