/**
 * `sessionkit/stores/redis`: sessions in Redis or Redis Cluster, through ioredis or node-redis
 * (`redis`), both optional peer dependencies loaded only when a store opens a connection.
 *
 * A session is one hash, so a patch is a Lua script (HSET + HDEL + PEXPIREAT, guarded by the
 * session existing and being alive) and concurrent writers of different keys never clobber
 * each other. A user's sessions are listed by a sorted set per user, never by scanning. Every
 * script touches one key, so everything works when a session and its user index live in
 * different cluster slots; the cross-key writes are ordered instead:
 *
 * 1. add to (or raise in) the user index BEFORE creating or extending the session;
 * 2. delete the session BEFORE removing it from the index;
 * 3. readers of the index skip entries whose session is gone or belongs to someone else.
 *
 * So the index always lists every live session of its user (a revocation cannot miss one),
 * and a revoked session cannot come back: its key is deleted first, and a patch or touch only
 * applies to a key that exists. docs/stores.md (Redis section) has the full argument.
 * @module
 */

import { StoreError } from '../core/errors.js'
import { isValidStoreKey } from '../core/ids.js'
import type {
  JsonValue,
  KeyedRecord,
  RecordTimes,
  SessionPatch,
  SessionRecord,
  Store,
  StoreCapabilities,
  TokenRecord,
} from '../core/store.js'
import {
  assertPatch,
  assertRecord,
  assertStoreKey,
  assertTimes,
  assertToken,
} from '../core/store-guards.js'
import {
  RedisCommands,
  replyArray,
  replyInteger,
  replyText,
  SCRIPT_HEAD,
  scriptArgs,
} from './redis-commands.js'
import { openConnection } from './redis-connect.js'
import { DATA_FIELD, INDEXED_FIELD, type KeyLayout, keyLayout, META_FIELD } from './redis-keys.js'
import {
  DESTROY_IF_OWNED,
  DESTROY_SESSION,
  EXPIRE_SESSION,
  EXPIRE_TOKEN,
  INDEX_ADD,
  INDEX_TRIM_AND_LIST,
  type LuaScript,
  SET_SESSION,
  TOUCH_SESSION,
  UPDATE_RESULT,
  UPDATE_SESSION,
} from './redis-lua.js'
import { type RedisStoreOptions, resolveRedisOptions } from './redis-options.js'
import {
  assertMetaValue,
  decodeRecord,
  decodeToken,
  encodeToken,
  expireAtArg,
  META_KEYS,
  recordFields,
  timeText,
  toJson,
  userIdJson,
} from './redis-record.js'

export type {
  IoredisClientLike,
  NodeRedisClientLike,
  NodeRedisClusterLike,
  RedisClientLike,
  RedisNodeAddress,
} from './redis-client.js'
export type { RedisDriverName } from './redis-driver.js'
export { REDIS_DEFAULTS, type RedisStoreOptions } from './redis-options.js'

const NAME = 'redis'

/**
 * How far past a session's expiry its user-index entry is scored. The index must never hold a
 * lower score than the session's expiry; raising it costs a round trip, so it is raised with an
 * hour to spare and most patches and touches within that hour need no index write at all. An
 * entry outlives its session by at most this long (readers skip it, trimming removes it).
 */
const INDEX_SLACK_MS = 3_600_000
/** Attempts of an update whose session keeps changing owner underneath it. */
const UPDATE_ATTEMPTS = 4
/** Sessions deleted (or read) in parallel by destroyByUser, listByUser and cleanup. */
const BATCH = 100

function indexScore(expiresAt: number): string {
  return String(Math.ceil(expiresAt) + INDEX_SLACK_MS)
}

/** A stored `m:userId` (JSON) as a user ID; null for `null`, '' or anything malformed. */
function parseUserId(stored: string | null): string | null {
  if (stored === null || stored === '') return null
  try {
    const userId: unknown = JSON.parse(stored)
    return typeof userId === 'string' ? userId : null
  } catch {
    return null
  }
}

async function inBatches<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = []
  for (let i = 0; i < items.length; i += BATCH) {
    results.push(...(await Promise.all(items.slice(i, i + BATCH).map(run))))
  }
  return results
}

/** Where ARGV[7] (the raised owner, then its score) of UPDATE_SESSION sits in its EVAL args. */
const UPDATE_INDEXED = SCRIPT_HEAD + 6
/** Where ARGV[9] (the meta, set and remove counts) of UPDATE_SESSION sits. */
const UPDATE_COUNTS = SCRIPT_HEAD + 8
/** Where ARGV[5] (the raised owner, then its score) of TOUCH_SESSION sits. */
const TOUCH_INDEXED = SCRIPT_HEAD + 4

/**
 * A {@link Store} on Redis 6.2+ (GETDEL, ZADD GT, PXAT) or Redis Cluster. It declares every
 * capability: by-user listing and revocation (a sorted set per user), cleanup, iteration and
 * single-use tokens.
 *
 * Construction is synchronous: it validates the options, loads the library (ioredis unless
 * only redis is installed, or `driver` says otherwise) and starts connecting in the
 * background. It throws InvalidConfigError for bad options and MissingDependencyError when no
 * Redis library is installed; connection failures surface later, as StoreUnavailableError
 * from the operations, within the command timeout, and the store recovers by itself when
 * Redis is back.
 *
 * @example
 * ```ts
 * import { RedisStore } from 'sessionkit/stores/redis'
 * const store = new RedisStore({ url: 'redis://127.0.0.1:6379' })
 * // or your own client: new RedisStore({ client: new Redis(...) })
 * // or a cluster:       new RedisStore({ cluster: ['10.0.0.1:6379', '10.0.0.2:6379'] })
 * ```
 */
export class RedisStore implements Store {
  readonly name = NAME
  readonly capabilities: StoreCapabilities = {
    byUser: true,
    cleanup: true,
    iterate: true,
    tokens: true,
  }
  /** The key prefix in use. */
  readonly prefix: string

  readonly #keys: KeyLayout
  readonly #redis: RedisCommands

  constructor(options: RedisStoreOptions) {
    const resolved = resolveRedisOptions(options)
    this.prefix = resolved.prefix
    this.#keys = keyLayout(resolved.prefix)
    this.#redis = new RedisCommands(openConnection(resolved), resolved.settings.commandTimeoutMs)
  }

  /** `ioredis` or `redis`: the library carrying the commands. */
  get library(): 'ioredis' | 'redis' {
    return this.#redis.connection.library
  }

  /** True when the store talks to a Redis Cluster. */
  get isCluster(): boolean {
    return this.#redis.connection.isCluster
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    if (!isValidStoreKey(key)) return null
    const session = this.#keys.session(key)
    const record = decodeRecord(await this.#redis.send('get', ['HGETALL', session], session))
    return record !== null && record.expiresAt > now ? record : null
  }

  async set(key: string, record: SessionRecord): Promise<void> {
    assertStoreKey(key)
    assertRecord(NAME, record)
    const fields = recordFields(record)
    const owner = record.userId
    if (owner !== null) {
      const score = indexScore(record.expiresAt)
      await this.#indexAdd('set', owner, key, score)
      fields.push(INDEXED_FIELD, score)
    }
    const session = this.#keys.session(key)
    const previous = replyText(
      await this.#redis.eval(
        'set',
        SET_SESSION,
        session,
        scriptArgs(expireAtArg(record.expiresAt), ...fields),
      ),
    )
    await this.#unindexPrevious('set', previous, owner, key)
  }

  async patch(key: string, patch: SessionPatch, now: number): Promise<boolean> {
    // A malformed key cannot name a record, so there is nothing to patch (not an error).
    if (!isValidStoreKey(key)) return false
    assertPatch(NAME, patch)
    if (typeof patch.set !== 'object' || patch.set === null || !Array.isArray(patch.remove)) {
      throw new StoreError(NAME, 'a patch needs a `set` object and a `remove` array')
    }
    const metaUserId = patch.meta?.userId
    if (metaUserId !== undefined) assertMetaValue('userId', metaUserId)
    // ARGV as UPDATE_SESSION reads it; the three counts are filled in once the pairs are in.
    const args = scriptArgs(
      timeText(now),
      timeText(patch.expiresAt),
      expireAtArg(patch.expiresAt),
      timeText(patch.lastSeenAt),
      timeText(patch.updatedAt),
      metaUserId === undefined ? '' : userIdJson(metaUserId),
      '',
      '0',
      '0',
      '0',
      '0',
    )
    let metaCount = 0
    for (const field of META_KEYS) {
      const value = patch.meta?.[field]
      if (value === undefined || field === 'userId') continue
      assertMetaValue(field, value)
      args.push(`${META_FIELD}${field}`, toJson(value, field))
      metaCount++
    }
    let setCount = 0
    for (const field in patch.set) {
      if (!Object.hasOwn(patch.set, field)) continue
      const value = patch.set[field] as JsonValue
      args.push(`${DATA_FIELD}${field}`, toJson(value, `data key "${field}"`))
      setCount++
    }
    for (const field of patch.remove) args.push(`${DATA_FIELD}${String(field)}`)
    args[UPDATE_COUNTS] = String(metaCount)
    args[UPDATE_COUNTS + 1] = String(setCount)
    args[UPDATE_COUNTS + 2] = String(patch.remove.length)
    return this.#update('patch', UPDATE_SESSION, key, args, patch.expiresAt, metaUserId)
  }

  async touch(key: string, times: RecordTimes, now: number): Promise<boolean> {
    if (!isValidStoreKey(key)) return false
    assertTimes(NAME, times)
    // TOUCH_SESSION's ARGV after the slots eval fills (see scriptArgs), as one literal.
    const args = [
      '',
      '',
      '',
      '',
      timeText(now),
      timeText(times.expiresAt),
      expireAtArg(times.expiresAt),
      timeText(times.lastSeenAt),
      '',
      '0',
    ]
    return this.#update('touch', TOUCH_SESSION, key, args, times.expiresAt, undefined)
  }

  /**
   * Runs an update script (`args` built for it by patch or touch) until it applies or finds
   * nothing to apply to. The first attempt raises no index: a missing or expired session must
   * cost no write at all, and an owner whose index already covers the new expiry needs none.
   * When the session has (or is given) an owner whose index does not cover the new expiry
   * yet, the script says so and changes nothing; the index is raised and the script runs
   * again with the raised owner and score in its arguments, re-checking that the session
   * still exists.
   */
  async #update(
    operation: string,
    script: LuaScript,
    key: string,
    args: string[],
    expiresAt: number,
    newUserId: string | null | undefined,
  ): Promise<boolean> {
    const session = this.#keys.session(key)
    const indexedSlot = script === TOUCH_SESSION ? TOUCH_INDEXED : UPDATE_INDEXED
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const reply = replyArray(await this.#redis.eval(operation, script, session, args), operation)
      const code = replyInteger(reply[0], operation)
      if (code === UPDATE_RESULT.missing || code === UPDATE_RESULT.expired) return false
      if (code === UPDATE_RESULT.applied) {
        if (newUserId !== undefined) {
          await this.#unindexPrevious(operation, replyText(reply[1]), newUserId, key)
        }
        return true
      }
      const owner = replyText(reply[1])
      const userId = code === UPDATE_RESULT.needsIndex ? parseUserId(owner) : null
      if (owner === null || userId === null) {
        throw new StoreError(NAME, `${operation}: unexpected reply from Redis`)
      }
      const score = indexScore(expiresAt)
      await this.#indexAdd(operation, userId, key, score)
      args[indexedSlot] = owner
      args[indexedSlot + 1] = score
    }
    throw new StoreError(NAME, `${operation}: the session kept changing owner; try again`)
  }

  async destroy(key: string): Promise<void> {
    if (!isValidStoreKey(key)) return
    const session = this.#keys.session(key)
    const owner = replyText(
      await this.#redis.eval('destroy', DESTROY_SESSION, session, scriptArgs()),
    )
    // The session is gone; only now may its index entry go.
    await this.#unindexPrevious('destroy', owner, null, key)
  }

  async listByUser(userId: string, now: number): Promise<KeyedRecord[]> {
    const index = this.#keys.userIndex(userId)
    const members = replyArray(
      await this.#redis.eval('listByUser', INDEX_TRIM_AND_LIST, index, scriptArgs(timeText(now))),
      'listByUser',
    )
    const keys = members.map(replyText).filter((key): key is string => isValidStoreKey(key))
    const records = await inBatches(keys, async (key) => {
      const session = this.#keys.session(key)
      return decodeRecord(await this.#redis.send('listByUser', ['HGETALL', session], session))
    })
    const listed: KeyedRecord[] = []
    records.forEach((record, i) => {
      const key = keys[i]
      // An entry may outlive its session, or the session may have moved to another user; the
      // entry is skipped, not removed: it may belong to a session being created right now.
      if (key === undefined || record === null) return
      if (record.expiresAt > now && record.userId === userId) listed.push({ key, record })
    })
    return listed
  }

  async destroyByUser(userId: string, options?: { exceptKey?: string }): Promise<number> {
    const index = this.#keys.userIndex(userId)
    const exceptKey = options?.exceptKey
    const members = replyArray(
      await this.#redis.send('destroyByUser', ['ZRANGE', index, '0', '-1'], index),
      'destroyByUser',
    )
    const keys = members
      .map(replyText)
      .filter((key): key is string => isValidStoreKey(key) && key !== exceptKey)
    const owner = userIdJson(userId)
    const deleted = await inBatches(keys, async (key) => {
      const session = this.#keys.session(key)
      const reply = await this.#redis.eval(
        'destroyByUser',
        DESTROY_IF_OWNED,
        session,
        scriptArgs(owner),
      )
      return replyInteger(reply, 'destroyByUser') === 1
    })
    const removed = keys.filter((_, i) => deleted[i])
    // Sessions first, index entries after. Entries whose session was not ours to delete stay:
    // one may be a session of this user being created right now.
    if (removed.length > 0)
      await this.#redis.send('destroyByUser', ['ZREM', index, ...removed], index)
    return removed.length
  }

  /**
   * Redis expires sessions and tokens by itself (each key carries its expiry as a TTL), so this
   * mostly finds nothing; it exists for clocks that run ahead of Redis's and to keep user
   * indexes small. It SCANs the prefix on every master (cleanup is the only operation that
   * scans for housekeeping), deletes sessions and tokens whose expiresAt <= now, drops deleted
   * sessions from their user's index, and trims every user index of entries scored <= now.
   * Returns how many sessions it deleted.
   */
  async cleanup(now: number): Promise<number> {
    const at = timeText(now)
    let removed = 0
    for await (const batch of this.#redis.scan('cleanup', this.#keys.patterns.sessions)) {
      const keys = batch.map((name) => this.#keys.sessionKeyOf(name))
      const owners = await inBatches(batch, async (name) => {
        const reply = replyArray(
          await this.#redis.eval('cleanup', EXPIRE_SESSION, name, scriptArgs(at)),
          'cleanup',
        )
        return replyInteger(reply[0], 'cleanup') === 1 ? (replyText(reply[1]) ?? '') : null
      })
      for (const [i, owner] of owners.entries()) {
        if (owner === null) continue
        removed++
        const key = keys[i]
        if (key !== null && key !== undefined)
          await this.#unindexPrevious('cleanup', owner, null, key)
      }
    }
    for await (const batch of this.#redis.scan('cleanup', this.#keys.patterns.tokens)) {
      await inBatches(batch, (name) =>
        this.#redis.eval('cleanup', EXPIRE_TOKEN, name, scriptArgs(at)),
      )
    }
    for await (const batch of this.#redis.scan('cleanup', this.#keys.patterns.indexes)) {
      await inBatches(batch, (name) =>
        this.#redis.send('cleanup', ['ZREMRANGEBYSCORE', name, '-inf', at], name),
      )
    }
    return removed
  }

  /**
   * Every live session, for migration: SCAN over the session keys of every master. The keys
   * already yielded are remembered (about 100 bytes each) because SCAN may return one twice.
   */
  async *entries(now: number): AsyncIterable<KeyedRecord> {
    const seen = new Set<string>()
    for await (const batch of this.#redis.scan('entries', this.#keys.patterns.sessions)) {
      const keys = batch
        .map((name) => this.#keys.sessionKeyOf(name))
        .filter((key): key is string => key !== null && !seen.has(key))
      const records = await inBatches(keys, async (key) => {
        const session = this.#keys.session(key)
        return decodeRecord(await this.#redis.send('entries', ['HGETALL', session], session))
      })
      for (const [i, record] of records.entries()) {
        const key = keys[i]
        if (key === undefined || record === null || record.expiresAt <= now || seen.has(key))
          continue
        seen.add(key)
        yield { key, record }
      }
    }
  }

  async putToken(key: string, token: TokenRecord): Promise<void> {
    assertStoreKey(key)
    assertToken(NAME, token)
    const name = this.#keys.token(key)
    const value = encodeToken(token.value, token.expiresAt)
    await this.#redis.send(
      'putToken',
      ['SET', name, value, 'PXAT', expireAtArg(token.expiresAt)],
      name,
    )
  }

  async consumeToken(key: string, now: number): Promise<JsonValue | null> {
    if (!isValidStoreKey(key)) return null
    const name = this.#keys.token(key)
    // GETDEL: of any number of concurrent consumers exactly one gets the value.
    return decodeToken(await this.#redis.send('consumeToken', ['GETDEL', name], name), now)
  }

  /** Closes the connection the store opened (never a client you passed in). Idempotent. */
  async close(): Promise<void> {
    await this.#redis.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** Adds `key` to `userId`'s index with at least `score`, before the session is written. */
  async #indexAdd(operation: string, userId: string, key: string, score: string): Promise<void> {
    const index = this.#keys.userIndex(userId)
    await this.#redis.eval(operation, INDEX_ADD, index, scriptArgs(key, score))
  }

  /**
   * Drops `key` from the index of its previous owner (`previous`, as JSON) when that is no
   * longer its owner. Called only after the session was deleted or handed to `current`.
   */
  async #unindexPrevious(
    operation: string,
    previous: string | null,
    current: string | null,
    key: string,
  ): Promise<void> {
    if (previous === null || previous === userIdJson(current)) return
    const userId = parseUserId(previous)
    if (userId === null) return
    const index = this.#keys.userIndex(userId)
    await this.#redis.send(operation, ['ZREM', index, key], index)
  }
}
