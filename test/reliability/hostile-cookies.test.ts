/**
 * Hostile Cookie headers against a real SQLite store: through SessionManager.load, through the
 * node adapter over raw TCP (so NUL, control and Latin-1 bytes reach the server as sent), and
 * forged express-session `s:` cookies through the Express adapter. The store is wrapped in a
 * recording proxy: a load may only ever hand the engine the hash of an ID the test issued, and
 * a header that does not carry the real credential must cause no store call at all.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { session as expressSession } from '../../src/adapters/express.js'
import { nodeSessions } from '../../src/adapters/node.js'
import { hashId, isValidStoreKey } from '../../src/core/ids.js'
import { SessionManager } from '../../src/core/manager.js'
import { SqliteStore } from '../../src/stores/sqlite.js'
import { carriesToken, forgedExpressToken, hostileCookieHeader } from './support/hostile-cookies.js'
import { inPool, rawGet, wireText } from './support/raw-http.js'
import { type RecordingStore, recordingStore } from './support/recording-store.js'

const SECRET = randomBytes(32).toString('base64url')
/** The seeded session's data: a value no fresh session can hold by accident. */
const SEEDED = `seeded-${randomBytes(12).toString('hex')}`
/** A fixed seed so a failure can be replayed; fast-check prints the counterexample. */
const SEED = 20_261_128

const dir = mkdtempSync(join(tmpdir(), 'sessionkit-hostile-cookies-'))
let recorder: RecordingStore<SqliteStore>
let manager: SessionManager
let seededId: string
let token: string
let allowedKeys: Set<string>

beforeAll(async () => {
  recorder = recordingStore(new SqliteStore({ path: join(dir, 'sessions.db') }))
  manager = new SessionManager({
    store: recorder.store,
    secrets: [SECRET],
    cookie: { secure: false },
    cleanupInterval: null,
  })
  const seeded = await manager.load()
  seeded.set('secret', SEEDED)
  const [line] = await manager.commit(seeded)
  seededId = seeded.id
  token = /^sid=([^;]+)/.exec(line ?? '')?.[1] ?? ''
  allowedKeys = new Set([hashId(seededId)])
})

afterAll(async () => {
  await manager.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Every key the engine saw is a valid store key and the hash of the one ID the test issued. */
function expectOnlyIssuedKeys(from: number): void {
  for (const { method, key } of recorder.calls.slice(from)) {
    expect(isValidStoreKey(key), `${method} got a malformed key`).toBe(true)
    expect(allowedKeys.has(key as string), `${method} got a key nobody issued`).toBe(true)
  }
}

describe('hostile cookie headers through SessionManager.load (SQLite)', () => {
  it('the real cookie loads the seeded session (so the property below is not vacuous)', async () => {
    const session = await manager.load(`sid=${token}`)
    expect(session.get('secret')).toBe(SEEDED)
    expect(session.id).toBe(seededId)
  })

  it('10,000 hostile headers: none throws, none reaches the seeded data or the store', async () => {
    let nearMisses = 0
    await fc.assert(
      fc.asyncProperty(hostileCookieHeader('sid', token, seededId), async (header) => {
        const before = recorder.calls.length
        const session = await manager.load(header)
        expectOnlyIssuedKeys(before)
        if (carriesToken(header, token)) return
        if (header.includes(seededId)) nearMisses++
        expect(recorder.calls.length, 'a malformed cookie made a store call').toBe(before)
        expect(session.get('secret')).toBeUndefined()
        expect(session.id).not.toBe(seededId)
        expect(session.isNew).toBe(true)
      }),
      { numRuns: 10_000, seed: SEED },
    )
    // The mutations must have probed next to the real ID, not only far-away noise.
    expect(nearMisses).toBeGreaterThan(1000)
  })
})

describe('hostile cookie headers over raw TCP through the node adapter (SQLite)', () => {
  let server: Server
  let port: number
  const errors: unknown[] = []

  beforeAll(async () => {
    const listener = nodeSessions(manager, { onError: (error) => void errors.push(error) })(
      (req, res) => {
        res.setHeader('content-type', 'application/json')
        res.end(
          JSON.stringify({
            isNew: req.session?.isNew,
            data: Object.fromEntries(req.session?.entries() ?? []),
          }),
        )
      },
    )
    server = createServer((req, res) => void listener(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  })

  it('the real cookie over the same path answers with the seeded data', async () => {
    const response = await rawGet(port, '/get', `sid=${token}`)
    expect(response.status).toBe(200)
    expect(response.body).toContain(SEEDED)
  })

  it('10,000 hostile headers: no 500, no seeded data, no store call with a key nobody issued', async () => {
    const headers = fc.sample(hostileCookieHeader('sid', token, seededId), {
      numRuns: 10_000,
      seed: SEED + 1,
    })
    const before = recorder.calls.length
    const statuses = new Map<number, number>()
    let carrying = 0
    await inPool(headers, 8, async (header) => {
      const sent = wireText(header)
      const response = await rawGet(port, '/get', header)
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
      // 400 and 431 come from Node's own parser (bad bytes, headers over 16 KB): refused early.
      expect([200, 400, 431]).toContain(response.status)
      if (carriesToken(sent, token)) {
        carrying++
        return
      }
      expect(response.body).not.toContain(SEEDED)
      if (response.status === 200)
        expect(JSON.parse(response.body)).toEqual({ isNew: true, data: {} })
    })
    expectOnlyIssuedKeys(before)
    // At most a get (and a touch) per request that carried the real cookie; none for the rest.
    expect(recorder.calls.length - before).toBeLessThanOrEqual(2 * carrying)
    expect(errors).toEqual([])
    expect(statuses.get(200)).toBeGreaterThan(5000)
  })
})

describe('forged express-session `s:` cookies through the Express adapter (SQLite)', () => {
  const EXPRESS_SECRET = randomBytes(32).toString('base64url')
  let expressRecorder: RecordingStore<SqliteStore>
  let server: Server
  let base: string
  let sid: string
  let cookie: string

  beforeAll(async () => {
    expressRecorder = recordingStore(new SqliteStore({ path: join(dir, 'express.db') }))
    const app = express()
    app.use(
      expressSession({
        store: expressRecorder.store,
        secret: EXPRESS_SECRET,
        resave: false,
        saveUninitialized: false,
        cookie: { secure: false },
      }),
    )
    app.get('/set', (req, res) => {
      Object.assign(req.session, { secret: SEEDED })
      res.json({ sid: req.sessionID })
    })
    app.get('/get', (req, res) => {
      res.json({ secret: (req.session as unknown as { secret?: string }).secret ?? null })
    })
    server = createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const seeded = await fetch(`${base}/set`)
    sid = ((await seeded.json()) as { sid: string }).sid
    cookie = seeded.headers.getSetCookie()[0]?.split(';')[0] ?? ''
  })

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
    await expressRecorder.inner.close()
  })

  it('the real s: cookie loads the seeded session', async () => {
    const response = await fetch(`${base}/get`, { headers: { cookie } })
    expect(await response.json()).toEqual({ secret: SEEDED })
  })

  it('1,000 forged s: cookies: no store call, no seeded data', async () => {
    const values = fc.sample(forgedExpressToken(sid), { numRuns: 1000, seed: SEED + 2 })
    const before = expressRecorder.calls.length
    await inPool(values, 8, async (value) => {
      const response = await fetch(`${base}/get`, {
        headers: { cookie: `connect.sid=${value}` },
      })
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ secret: null })
    })
    expect(expressRecorder.calls.slice(before)).toEqual([])
  })
})
