/**
 * The node-redis (`redis` 5 / 6) adapter: opens clients and clusters tuned to fail fast and heal
 * by themselves, and wraps any node-redis client or cluster (the store's or yours) as a
 * RedisConnection.
 * @module
 */

import {
  type ConnectSettings,
  type ConnectTarget,
  detach,
  type NodeRedisClientLike,
  type NodeRedisClusterLike,
  type NodeSender,
  type RedisConnection,
  reconnectDelay,
} from './redis-client.js'
import type { NodeRedisModule } from './redis-driver.js'

/** A node-redis client or cluster the store opened: it connects, watches and closes it. */
interface Openable {
  connect(): Promise<unknown>
  readonly isOpen: boolean
  close?(): Promise<void>
  destroy?(): void
  on(event: 'ready', listener: () => void): unknown
}

/** Resolves when `promise` settles or `ms` pass, whichever comes first; never rejects. */
function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  return Promise.race([promise.then(noop, noop), elapsed]).finally(() => clearTimeout(timer))
}

function noop(): void {}

/**
 * Keeps calling connect() until it succeeds or the store is closed. node-redis retries a
 * dropped connection by itself (reconnectStrategy), but a cluster whose first discovery fails
 * gives up; without this loop a store built while Redis was down would never work.
 */
function connectInBackground(client: Openable, isClosed: () => boolean): Promise<void> {
  const attempt = async (): Promise<void> => {
    for (let n = 1; !isClosed() && !client.isOpen; n++) {
      try {
        await client.connect()
        return
      } catch {
        if (client.isOpen) return
        await new Promise((resolve) => setTimeout(resolve, reconnectDelay(n)).unref())
      }
    }
  }
  return attempt()
}

/** Options every connection the store opens gets (each cluster node too). */
function clientOptions(settings: ConnectSettings) {
  return {
    // Fail at once while disconnected instead of queueing; reconnect in the background.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: settings.connectTimeoutMs,
      reconnectStrategy: (retries: number) => reconnectDelay(retries + 1),
    },
    // The store bounds every command itself (RedisCommands' shared deadline sweep). node-redis's
    // own per-command timeout arms an AbortSignal timer for each command, which costs more
    // client CPU than the command's own work; 0 turns it off. A command stuck unsent on a
    // stalled socket is failed by the store in time and dropped when the store reopens the
    // connection (reopenIfStuck below).
    commandOptions: { timeout: 0 },
  }
}

/** Opens a node-redis connection to `target`; the store owns it and closes it on close. */
export function openNodeRedis(
  module: NodeRedisModule,
  target: ConnectTarget,
  settings: ConnectSettings,
): RedisConnection {
  const options = clientOptions(settings)
  const client =
    target.kind === 'url'
      ? module.createClient({ url: target.url, ...options })
      : module.createCluster({
          rootNodes: target.nodes.map(({ host, port }) => ({ socket: { host, port } })),
          defaults: {
            ...options,
            ...(target.username === undefined ? {} : { username: target.username }),
            ...(target.password === undefined ? {} : { password: target.password }),
          },
        })
  const adapted =
    target.kind === 'url'
      ? adaptNodeRedis(client as unknown as NodeRedisClientLike, true)
      : adaptNodeRedisCluster(client as unknown as NodeRedisClusterLike, true)
  const openable = client as unknown as Openable
  const stuckAfterMs = settings.connectTimeoutMs + settings.commandTimeoutMs
  let closed = false
  let reopening = false
  let healthyAt = Date.now()
  openable.on('ready', () => {
    healthyAt = Date.now()
  })
  const connect = () => connectInBackground(openable, () => closed)
  // The error listener is attached (by the adapter) before connect(): an EventEmitter 'error'
  // without one would crash the process.
  let firstConnect: Promise<void> | undefined = connect().finally(() => {
    firstConnect = undefined
  })

  /**
   * node-redis never gives up on a connection that stopped answering: a server (or proxy) that
   * accepts the TCP connection but never answers the handshake leaves the client offline for
   * good, and one that stops answering later makes every command time out forever. When
   * commands keep failing and nothing has succeeded for connectTimeout + commandTimeout, the
   * connection is dropped and opened again; a server that is merely down costs one extra
   * connection attempt every few seconds.
   */
  const reopenIfStuck = (): void => {
    if (closed || reopening || firstConnect !== undefined) return
    if (Date.now() - healthyAt < stuckAfterMs) return
    healthyAt = Date.now()
    reopening = true
    if (openable.isOpen) openable.destroy?.()
    void connect().finally(() => {
      reopening = false
    })
  }

  const succeeded = <T>(result: T): T => {
    healthyAt = Date.now()
    return result
  }
  const failed = (error: unknown): never => {
    reopenIfStuck()
    throw error
  }
  // Not an async function: this wraps every command, and a plain promise chain costs less.
  const watched = <T>(run: () => Promise<T>): Promise<T> => {
    // Only the very first connection is waited for (bounded): later outages fail fast.
    const started =
      firstConnect === undefined
        ? run()
        : waitAtMost(firstConnect, settings.connectTimeoutMs).then(run)
    return started.then(succeeded, failed)
  }

  return {
    ...adapted,
    send: (args, routingKey) => watched(() => adapted.send(args, routingKey)),
    masters: () => watched(() => adapted.masters()),
    async close() {
      if (closed) return
      closed = true
      try {
        // close() waits for replies already on the wire; destroy() drops whatever is left.
        if (openable.isOpen && openable.close) {
          await waitAtMost(openable.close(), settings.commandTimeoutMs)
        }
      } finally {
        if (openable.isOpen) openable.destroy?.()
      }
    },
  }
}

/**
 * RESP3's map type (`%`), which node-redis 5+ decodes into a plain object unless told
 * otherwise (RESP_TYPES.MAP in its decoder; a stable wire code).
 */
const RESP3_MAP = 37

/**
 * Per-command options: maps (HGETALL under RESP3) come back as flat name/value arrays, as under
 * RESP2 and ioredis, which the record decoder reads without building an object first. node-redis
 * 4 has no type mapping and ignores the option.
 */
const SEND_OPTIONS = { typeMapping: { [RESP3_MAP]: Array } }

/** Wraps a node-redis client from `createClient`. `owned`: the store opened it. */
export function adaptNodeRedis(client: NodeRedisClientLike, owned: boolean): RedisConnection {
  const onError = (_error: Error): void => {}
  client.on('error', onError)
  const send = (args: readonly string[]) => client.sendCommand([...args], SEND_OPTIONS)
  return {
    library: 'redis',
    isCluster: false,
    send,
    masters: async () => [send],
    // node-redis reconnects a dead socket by itself; a silent one is reopened by openNodeRedis.
    stalled: () => {},
    async close() {
      if (!owned) detach(client, onError)
    },
  }
}

/** Wraps a node-redis cluster from `createCluster`. `owned`: the store opened it. */
export function adaptNodeRedisCluster(
  cluster: NodeRedisClusterLike,
  owned: boolean,
): RedisConnection {
  const onError = (_error: Error): void => {}
  cluster.on('error', onError)
  return {
    library: 'redis',
    isCluster: true,
    send: (args, routingKey) => cluster.sendCommand(routingKey, false, [...args], SEND_OPTIONS),
    stalled: () => {},
    async masters(): Promise<NodeSender[]> {
      const senders: NodeSender[] = []
      for (const master of cluster.masters) {
        const node = await cluster.nodeClient(master as never)
        senders.push((args) => node.sendCommand([...args], SEND_OPTIONS))
      }
      return senders
    },
    async close() {
      if (!owned) detach(cluster, onError)
    },
  }
}
