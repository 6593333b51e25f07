/**
 * The Redis store's options, their defaults and their validation.
 * @module
 */

import { InvalidConfigError } from '../core/errors.js'
import { type Duration, parseDuration } from '../core/time.js'
import {
  type ClientKind,
  type ConnectSettings,
  type ConnectTarget,
  clientKind,
  type RedisClientLike,
  type RedisNodeAddress,
} from './redis-client.js'
import { clusterNodes } from './redis-cluster.js'
import type { RedisDriverName } from './redis-driver.js'

/**
 * Options of {@link RedisStore}. Give exactly one of `url`, `cluster` and `client`.
 */
export interface RedisStoreOptions {
  /**
   * A `redis://` or `rediss://` (TLS) URL: `redis://[[user]:password@]host[:port][/db]`. The
   * store opens and owns the connection, and `close()` quits it.
   * @example 'redis://127.0.0.1:6379/0'
   */
  url?: string
  /**
   * The nodes of a Redis Cluster to start from (the rest are discovered): `"host:port"`
   * strings or `{ host, port }`. The store opens and owns the cluster connection.
   * @example ['10.0.0.1:6379', '10.0.0.2:6379', '10.0.0.3:6379']
   */
  cluster?: readonly (string | RedisNodeAddress)[]
  /** ACL user for every `cluster` node (a `url` carries its own). */
  username?: string
  /** Password for every `cluster` node (a `url` carries its own). */
  password?: string
  /**
   * Your own client: an ioredis `Redis` or `Cluster`, or a node-redis client (`createClient`)
   * or cluster (`createCluster`), already connected in node-redis's case. The store tells
   * which by its shape, adds (and on close removes) an `error` listener, and never quits it:
   * `close()` leaves it open for you. `connectTimeout` does not apply to it; configure its
   * offline queue and retries yourself (see docs/stores.md (Redis section)).
   */
  client?: RedisClientLike
  /**
   * Prepended to every key, so sessionkit can share a Redis database. 1 to 100 printable
   * ASCII characters without spaces.
   * @default 'sessionkit:'
   */
  prefix?: string
  /**
   * How long a connection attempt may take before it counts as failed (the store keeps
   * retrying in the background).
   * @default '3s'
   */
  connectTimeout?: Duration
  /**
   * How long any one command may wait for an answer before the operation fails with
   * StoreUnavailableError.
   * @default '2s'
   */
  commandTimeout?: Duration
  /**
   * The library the store opens connections with for `url` and `cluster`.
   * @default 'ioredis' when it is installed, otherwise 'redis'
   */
  driver?: RedisDriverName
}

/** The defaults of {@link RedisStoreOptions}. */
export const REDIS_DEFAULTS = {
  prefix: 'sessionkit:',
  connectTimeout: '3s',
  commandTimeout: '2s',
} as const satisfies Required<
  Pick<RedisStoreOptions, 'prefix' | 'connectTimeout' | 'commandTimeout'>
>

/** Options after validation. */
export interface ResolvedRedisOptions {
  readonly prefix: string
  readonly settings: ConnectSettings
  /** What to connect to, or the caller's client and its kind. */
  readonly source:
    | {
        readonly kind: 'open'
        readonly target: ConnectTarget
        readonly driver: RedisDriverName | undefined
      }
    | { readonly kind: 'client'; readonly client: RedisClientLike; readonly clientKind: ClientKind }
}

const PREFIX_PATTERN = /^[\x21-\x7e]{1,100}$/
const MAX_TIMER_MS = 0x7fffffff

function timeout(value: Duration, field: string): number {
  const ms = parseDuration(value, field)
  if (ms < 1 || ms > MAX_TIMER_MS) {
    throw new InvalidConfigError(field, 'must be at least 1 ms and at most 2147483647 ms')
  }
  return ms
}

function resolveUrl(url: unknown): ConnectTarget {
  if (typeof url !== 'string' || !/^rediss?:\/\//i.test(url.trim())) {
    // Never echo the URL: it may carry a password.
    throw new InvalidConfigError('url', 'must be a redis:// or rediss:// URL')
  }
  return { kind: 'url', url: url.trim() }
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new InvalidConfigError(field, 'must be a string')
  return value
}

/** Validates `options`; throws InvalidConfigError naming the first bad field. */
export function resolveRedisOptions(options: RedisStoreOptions): ResolvedRedisOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidConfigError('options', 'must be an object with `url`, `cluster` or `client`')
  }
  const { url, cluster, client, driver } = options
  const given = [url, cluster, client].filter((value) => value !== undefined).length
  if (given !== 1) {
    throw new InvalidConfigError('url', 'give exactly one of `url`, `cluster` and `client`')
  }
  const prefix = options.prefix ?? REDIS_DEFAULTS.prefix
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw new InvalidConfigError('prefix', 'must be 1 to 100 printable ASCII characters, no spaces')
  }
  const settings: ConnectSettings = {
    connectTimeoutMs: timeout(
      options.connectTimeout ?? REDIS_DEFAULTS.connectTimeout,
      'connectTimeout',
    ),
    commandTimeoutMs: timeout(
      options.commandTimeout ?? REDIS_DEFAULTS.commandTimeout,
      'commandTimeout',
    ),
  }
  const username = optionalString(options.username, 'username')
  const password = optionalString(options.password, 'password')
  if (cluster === undefined && (username !== undefined || password !== undefined)) {
    throw new InvalidConfigError(
      'username',
      'username and password go with `cluster`; a url carries its own',
    )
  }
  if (client !== undefined) {
    if (driver !== undefined) {
      throw new InvalidConfigError(
        'driver',
        'applies to `url` and `cluster`, not to your own client',
      )
    }
    const kind = clientKind(client)
    if (kind === null) {
      throw new InvalidConfigError(
        'client',
        'must be an ioredis Redis or Cluster, or a node-redis client or cluster',
      )
    }
    return { prefix, settings, source: { kind: 'client', client, clientKind: kind } }
  }
  const target: ConnectTarget =
    url !== undefined
      ? resolveUrl(url)
      : { kind: 'cluster', nodes: clusterNodes(cluster ?? []), username, password }
  return { prefix, settings, source: { kind: 'open', target, driver } }
}
