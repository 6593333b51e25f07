import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { decideGate, isReachable } from './services.js'

describe('service gate', () => {
  it('runs when reachable, skips with a reason locally, and fails when services are required', () => {
    expect(decideGate('Redis', true, true)).toEqual({ run: true })
    expect(decideGate('Redis', false, false)).toEqual({
      run: false,
      skipReason: expect.stringContaining('Redis is not reachable'),
    })
    expect(() => decideGate('Redis', false, true)).toThrow(/SESSIONKIT_REQUIRE_SERVICES=1/)
  })

  it('probes TCP for real', async () => {
    const server = createServer().listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    expect(await isReachable('127.0.0.1', address.port)).toBe(true)
    await new Promise((resolve) => server.close(resolve))
    expect(await isReachable('127.0.0.1', address.port, 300)).toBe(false)
  })
})
