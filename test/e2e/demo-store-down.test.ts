/**
 * The demo with its store down: the node adapter answers 503 (fail closed) rather than serving
 * pages whose session changes would be lost. Port 1 on loopback refuses connections at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningDemo, STARTUP_LIMIT_MS, startDemo } from './demo-process.js'

let demo: RunningDemo

beforeAll(async () => {
  demo = await startDemo({
    env: { SESSIONKIT_STORE: 'postgres://demo:not-a-secret@127.0.0.1:1/demo?connectTimeout=2s' },
    // startDemo waits for a 200 on /, which needs the store; the store-down case is checked here.
    expectStatus: 503,
  })
}, STARTUP_LIMIT_MS + 10_000)

afterAll(async () => {
  await demo?.stop()
})

describe('the demo with its store down', () => {
  it('answers 503 with Retry-After, and never prints the store password', async () => {
    const response = await fetch(`${demo.url}/login`)
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('5')
    expect(response.headers.getSetCookie()).toEqual([])
    expect(demo.output()).toContain('store: postgres://***@127.0.0.1:1/demo')
    expect(demo.output()).not.toContain('not-a-secret')
  })

  it('still serves what needs no store: the stylesheet and the session API of a visitor', async () => {
    expect((await fetch(`${demo.url}/assets/app.css`)).status).toBe(200)
    const response = await fetch(`${demo.url}/api/session`)
    expect(await response.json()).toEqual({ userId: null, expiresAt: null, keys: [] })
  })
})
