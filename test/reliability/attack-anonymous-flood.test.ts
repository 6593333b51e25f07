/**
 * 100,000 anonymous requests that set nothing create no records: a real node:http server with
 * the node adapter on SQLite, hit by autocannon over 32 keep-alive connections (4 requests
 * pipelined on each). A third carry no cookie, a third junk, a third a validly signed but
 * unknown ID (the only kind that may reach the store, to look it up). Afterwards the store
 * holds no record, no response issued a session cookie (the server checks each response's
 * Set-Cookie as it finishes: only clearing ones, for requests that sent a cookie), and the
 * store saw no write at all.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { nodeSessions } from '../../src/adapters/node.js'
import { sign } from '../../src/core/crypto.js'
import { generateId } from '../../src/core/ids.js'
import { SessionManager } from '../../src/core/manager.js'
import { SqliteStore } from '../../src/stores/sqlite.js'
import { recordingStore } from './support/recording-store.js'

const REQUESTS = 100_000
const CONNECTIONS = 32
const dir = mkdtempSync(join(tmpdir(), 'sessionkit-flood-'))
const recorder = recordingStore(new SqliteStore({ path: join(dir, 'sessions.db') }))
const manager = new SessionManager({
  store: recorder.store,
  secrets: [randomBytes(32).toString('base64url')],
  cookie: { secure: false },
  cleanupInterval: null,
})
let server: Server
let port: number
/** What the server saw: requests answered, and Set-Cookie lines that issued a session. */
const seen = { requests: 0, withCookie: 0, issued: 0 }

beforeAll(async () => {
  const listener = nodeSessions(manager)((req, res) => {
    // Reads the session, as a page showing "not signed in" would, and sets nothing.
    res.end(req.session?.get('user') === undefined ? 'anonymous' : 'known')
  })
  const observe = (req: IncomingMessage, res: ServerResponse) => {
    res.on('finish', () => {
      seen.requests++
      if (req.headers.cookie !== undefined) seen.withCookie++
      const lines = res.getHeader('set-cookie')
      for (const line of Array.isArray(lines)
        ? lines
        : lines === undefined
          ? []
          : [String(lines)]) {
        // Clearing a cookie the client sent is expected; issuing a session is not.
        if (!/^sid=;/.test(line) || req.headers.cookie === undefined) seen.issued++
      }
    })
  }
  server = createServer((req, res) => {
    observe(req, res)
    void listener(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
  await manager.close()
  rmSync(dir, { recursive: true, force: true })
})

function cookieFor(i: number): string | undefined {
  switch (i % 3) {
    case 0:
      return undefined
    case 1:
      return `sid=junk-${i}; theme=dark`
    default:
      return `sid=${sign(manager.options.keys, generateId())}`
  }
}

it(`${REQUESTS.toLocaleString('en')} anonymous requests create no record and no session cookie`, async () => {
  let i = 0
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections: CONNECTIONS,
    // Pipelined, to spend the two cores on the server rather than on syscalls.
    pipelining: 4,
    amount: REQUESTS,
    requests: [
      {
        method: 'GET',
        path: '/',
        setupRequest: (req) => {
          const cookie = cookieFor(i++)
          return { ...req, headers: cookie === undefined ? {} : { cookie } }
        },
      },
    ],
  })
  expect(result.non2xx + result.errors + result.timeouts).toBe(0)
  expect(seen.requests).toBe(REQUESTS)
  expect(seen.withCookie).toBeGreaterThan(REQUESTS / 2)
  expect(seen.issued).toBe(0)
  const writes = recorder.calls.filter(({ method }) => method !== 'get')
  expect(writes).toEqual([])
  // Only the signed-but-unknown third may have been looked up.
  expect(recorder.calls.length).toBe(Math.floor(REQUESTS / 3))
  let records = 0
  for await (const _ of recorder.inner.entries(Date.now())) records++
  expect(records).toBe(0)
})
