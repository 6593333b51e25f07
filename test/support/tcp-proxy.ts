/**
 * A loopback TCP proxy that a failure test starts, cuts and restores, to play a server that
 * goes down and comes back without touching the real server.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'

export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number
  /** Drops every open connection and refuses new ones (the server "goes down"). */
  cut(): Promise<void>
  /** Accepts connections again (the server "comes back"). */
  restore(): Promise<void>
  /** Keeps accepting connections but forwards nothing: a server that hangs. */
  blackhole(on: boolean): void
  close(): Promise<void>
}

/** Starts a proxy on 127.0.0.1 (random port, or `listenPort`) forwarding to target:targetPort. */
export async function startTcpProxy(
  targetPort: number,
  targetHost = '127.0.0.1',
  listenPort = 0,
): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let hanging = false
  let server: Server
  let port = listenPort

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        sockets.add(client)
        client.on('close', () => sockets.delete(client))
        client.on('error', () => client.destroy())
        if (hanging) return
        const upstream = connect({ host: targetHost, port: targetPort })
        sockets.add(upstream)
        upstream.on('close', () => {
          sockets.delete(upstream)
          client.destroy()
        })
        upstream.on('error', () => client.destroy())
        client.on('close', () => upstream.destroy())
        client.pipe(upstream)
        upstream.pipe(client)
      })
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        const address = server.address()
        if (address && typeof address === 'object') port = address.port
        resolve()
      })
    })

  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      sockets.clear()
      server.close(() => resolve())
    })

  await listen()
  let down = false
  return {
    get port() {
      return port
    },
    async cut() {
      if (down) return
      down = true
      await stop()
    },
    async restore() {
      if (!down) return
      down = false
      await listen()
    },
    blackhole(on: boolean) {
      hanging = on
    },
    async close() {
      if (!down) await stop()
      down = true
    },
  }
}
