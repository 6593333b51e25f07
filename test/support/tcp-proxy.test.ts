import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { isReachable } from './services.js'
import { startTcpProxy } from './tcp-proxy.js'

describe('tcp proxy', () => {
  it('forwards, cuts and restores on the same port', async () => {
    const echo = createServer((socket) => socket.pipe(socket)).listen(0, '127.0.0.1')
    await new Promise((resolve) => echo.once('listening', resolve))
    const address = echo.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    const proxy = await startTcpProxy(address.port)
    try {
      const { connect } = await import('node:net')
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: proxy.port }, () => socket.write('ping'))
        socket.once('data', (data) => {
          socket.destroy()
          resolve(data.toString())
        })
        socket.once('error', reject)
      })
      expect(reply).toBe('ping')
      await proxy.cut()
      expect(await isReachable('127.0.0.1', proxy.port, 300)).toBe(false)
      await proxy.restore()
      expect(await isReachable('127.0.0.1', proxy.port, 300)).toBe(true)
    } finally {
      await proxy.close()
      await new Promise((resolve) => echo.close(resolve))
    }
  })
})
