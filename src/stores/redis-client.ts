/**
 * The small client interface the Redis store talks to, so the store does not care whether
 * ioredis or node-redis (`redis`) carries its commands, or whether the server is a cluster.
 * The adapters live in redis-ioredis.ts and redis-node-redis.ts.
 * @module
 */

/** Sends one command to one node (SCAN, which has no key to route by). */
export type NodeSender = (args: readonly string[]) => Promise<unknown>

/** What the store needs from a Redis connection. */
export interface RedisConnection {
  /** `ioredis` or `redis`: the library underneath, for errors and tests. */
  readonly library: 'ioredis' | 'redis'
  readonly isCluster: boolean
  /**
   * Sends one command. `routingKey` is the key a cluster routes it by; every command the store
   * sends names at most one key, so there is never a cross-slot request.
   */
  send(args: readonly string[], routingKey: string | undefined): Promise<unknown>
  /** One sender per master node (one in total without a cluster), for SCAN. */
  masters(): Promise<NodeSender[]>
  /**
   * A command got no answer within the command timeout. A connection the store opened drops
   * its socket and reconnects (it may be half-open, or stuck in a ready check a server never
   * answers); anything else is left alone.
   */
  stalled(): void
  /**
   * Quits the connection when the store opened it; on a client the caller handed in, only
   * removes the store's listeners. Never rejects.
   */
  close(): Promise<void>
}

/** An event emitter with the methods the store uses to attach and detach its error listener. */
interface Listenable {
  on(event: 'error', listener: (error: Error) => void): unknown
  removeListener?(event: 'error', listener: (error: Error) => void): unknown
  off?(event: 'error', listener: (error: Error) => void): unknown
}

/** The part of an ioredis `Redis` or `Cluster` (ioredis 5 or 6) the store uses. */
export interface IoredisClientLike extends Listenable {
  call(command: string, ...args: (string | number)[]): Promise<unknown>
  readonly status: string
  /** `Cluster` only: its nodes. */
  nodes?(
    role?: 'all' | 'master' | 'slave',
  ): { call(command: string, ...args: string[]): Promise<unknown> }[]
}

/** The per-command options the store passes to node-redis. */
export interface NodeRedisCommandOptions {
  timeout?: number
  /** RESP type code → the JavaScript type to decode it as (node-redis 5+). */
  typeMapping?: Record<number, unknown>
}

/** The part of a node-redis (`redis` 4 to 6) client from `createClient` the store uses. */
export interface NodeRedisClientLike extends Listenable {
  sendCommand(args: string[], options?: NodeRedisCommandOptions): Promise<unknown>
  readonly isOpen: boolean
}

/** The part of a node-redis cluster from `createCluster` the store uses. */
export interface NodeRedisClusterLike extends Listenable {
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: NodeRedisCommandOptions,
  ): Promise<unknown>
  readonly masters: readonly unknown[]
  nodeClient(node: never): Promise<NodeRedisClientLike> | NodeRedisClientLike
}

/** A client you built yourself: an ioredis `Redis` or `Cluster`, or a node-redis client or cluster. */
export type RedisClientLike = IoredisClientLike | NodeRedisClientLike | NodeRedisClusterLike

/** Which library (and topology) a client object comes from, told by its shape. */
export type ClientKind = 'ioredis' | 'node-redis' | 'node-redis-cluster'

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null
}

/**
 * Tells the libraries apart by the methods they have: ioredis has `call` and a `status`
 * string (node-redis has neither); a node-redis cluster has `masters` and `nodeClient`.
 * Null when the object is none of them.
 */
export function clientKind(client: unknown): ClientKind | null {
  if (!isObject(client) || typeof client.on !== 'function') return null
  if (typeof client.call === 'function' && typeof client.status === 'string') return 'ioredis'
  if (typeof client.sendCommand !== 'function') return null
  if (typeof client.nodeClient === 'function' && 'masters' in client) return 'node-redis-cluster'
  if ('isOpen' in client) return 'node-redis'
  return null
}

/** Removes `listener` from `emitter`, whichever name the library gives the method. */
export function detach(emitter: Listenable, listener: (error: Error) => void): void {
  if (typeof emitter.removeListener === 'function') emitter.removeListener('error', listener)
  else if (typeof emitter.off === 'function') emitter.off('error', listener)
}

/** A Redis node's address. */
export interface RedisNodeAddress {
  host: string
  port: number
}

/** What the store connects to when it opens the connection itself. */
export type ConnectTarget =
  | { readonly kind: 'url'; readonly url: string }
  | {
      readonly kind: 'cluster'
      readonly nodes: readonly RedisNodeAddress[]
      readonly username: string | undefined
      readonly password: string | undefined
    }

/** The time limits of a connection the store opens. */
export interface ConnectSettings {
  readonly connectTimeoutMs: number
  readonly commandTimeoutMs: number
}

/**
 * The wait before reconnect attempt `attempt` (1-based): 100 ms doubling to a 1 s cap, so a
 * server that comes back is found within about a second, and a dead one costs one connection
 * attempt per second.
 */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 1000)
}
