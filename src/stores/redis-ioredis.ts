/**
 * The ioredis adapter: opens `Redis` / `Cluster` connections tuned to fail fast and heal by
 * themselves, and wraps any ioredis client (the store's or yours) as a RedisConnection.
 * @module
 */

import type { ClusterOptions, RedisOptions } from 'ioredis'
import {
  type ConnectSettings,
  type ConnectTarget,
  detach,
  type IoredisClientLike,
  type NodeSender,
  type RedisConnection,
  reconnectDelay,
} from './redis-client.js'
import type { IoredisModule } from './redis-driver.js'

/**
 * Options shared by standalone and cluster nodes. The point is that a command during an outage
 * fails within about a second instead of waiting in a queue, while the client keeps
 * reconnecting in the background:
 * - `maxRetriesPerRequest: 0`: the offline queue is flushed (with an error) at every failed
 *   reconnect attempt, so a command waits at most for one attempt (<= 1 s of backoff plus the
 *   connect timeout). The queue itself stays on, so commands sent while the first connection
 *   is being made simply wait for it.
 * - `autoResendUnfulfilledCommands: false`: a command cut off by a dropped connection was
 *   already reported as failed; it is not sent a second time behind the caller's back.
 * - no `commandTimeout` and no `socketTimeout`: the store bounds every command itself
 *   (deadlines.ts) with one shared timer, and when one goes unanswered it drops the socket
 *   and reconnects (`stalled`), so a connection that stops answering (a half-open socket, a
 *   hung proxy, a server that accepts connections but never answers its ready check) is
 *   replaced instead of swallowing every later command. ioredis's own would add a timer per
 *   command and a timer and a listener per reply, for nothing.
 */
function nodeOptions(settings: ConnectSettings): RedisOptions {
  return {
    connectTimeout: settings.connectTimeoutMs,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
  }
}

/** Opens an ioredis connection to `target`; the store owns it and quits it on close. */
export function openIoredis(
  module: IoredisModule,
  target: ConnectTarget,
  settings: ConnectSettings,
): RedisConnection {
  if (target.kind === 'url') {
    const client = new module.Redis(target.url, {
      ...nodeOptions(settings),
      enableOfflineQueue: true,
      retryStrategy: reconnectDelay,
    })
    return adaptIoredis(client, true)
  }
  const options: ClusterOptions = {
    enableOfflineQueue: true,
    clusterRetryStrategy: reconnectDelay,
    slotsRefreshTimeout: settings.connectTimeoutMs,
    redisOptions: {
      ...nodeOptions(settings),
      ...(target.username === undefined ? {} : { username: target.username }),
      ...(target.password === undefined ? {} : { password: target.password }),
    },
  }
  const client = new module.Cluster(
    target.nodes.map(({ host, port }) => ({ host, port })),
    options,
  )
  return adaptIoredis(client, true)
}

/** Wraps an ioredis `Redis` or `Cluster`. `owned`: the store opened it and may quit it. */
export function adaptIoredis(client: IoredisClientLike, owned: boolean): RedisConnection {
  // Errors surface as rejected commands; without a listener ioredis would log every failed
  // reconnect attempt as an unhandled error event.
  const onError = (_error: Error): void => {}
  client.on('error', onError)
  const isCluster = typeof client.nodes === 'function'
  // The command is the array's first element: spread as it is, without a copy of the rest.
  const send = (args: readonly string[]): Promise<unknown> =>
    client.call(...(args as readonly [string, ...string[]]))
  return {
    library: 'ioredis',
    isCluster,
    send,
    async masters(): Promise<NodeSender[]> {
      if (!isCluster || client.nodes === undefined) return [send]
      return client.nodes('master').map((node) => (args: readonly string[]) => {
        const [command, ...rest] = args
        return node.call(command ?? '', ...rest)
      })
    },
    stalled() {
      // Only a connection that looks alive is dropped: one already closing or reconnecting is
      // on its way to a fresh socket. Your client is yours to configure.
      if (!owned || (client.status !== 'ready' && client.status !== 'connect')) return
      const droppable = client as IoredisClientLike & { disconnect?: (reconnect: boolean) => void }
      droppable.disconnect?.(true)
    },
    async close() {
      if (!owned) {
        // Your client gets its listeners back as they were; the store's own keeps its listener,
        // so a late 'error' from the closing socket is still heard.
        detach(client, onError)
        return
      }
      // disconnect() rather than quit(): it never waits on a server that is down.
      const closable = client as IoredisClientLike & { disconnect?: () => void }
      try {
        closable.disconnect?.()
      } catch {
        // Already closed.
      }
    },
  }
}
