/**
 * Listening on a free loopback port with a node:http server, and closing it with its
 * connections (autocannon keeps them alive).
 * @module
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Listening } from './types.js'

export function listen(server: Server): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          }),
      })
    })
  })
}
