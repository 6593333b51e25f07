/**
 * Session data JSON cannot carry. The rule (src/core/json.ts strictJson, used by Session#set
 * and #flash): what JSON would drop or turn into null or `{}` is refused at set time with
 * InvalidSessionDataError; a Date (and anything with toJSON) is converted, as documented; the
 * rest round-trips exactly through a real SQLite store. An independent classifier below
 * decides which of the three each generated value is, and the property checks the session
 * agrees. The Express adapter keeps express-session's semantics instead (see the last block).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { session as expressSession } from '../../src/adapters/express.js'
import { InvalidSessionDataError } from '../../src/core/errors.js'
import { SessionManager } from '../../src/core/manager.js'
import { MemoryStore } from '../../src/stores/memory.js'
import { SqliteStore } from '../../src/stores/sqlite.js'

const SECRET = randomBytes(32).toString('base64url')
const dir = mkdtempSync(join(tmpdir(), 'sessionkit-hostile-data-'))
const manager = new SessionManager({
  store: new SqliteStore({ path: join(dir, 'data.db') }),
  secrets: [SECRET],
  cookie: { secure: false },
  cleanupInterval: null,
})

afterAll(async () => {
  await manager.close()
  rmSync(dir, { recursive: true, force: true })
})

type Verdict = 'faithful' | 'converted' | 'refused'

/** What JSON does to `value`, decided without sessionkit's code. */
function classify(value: unknown, seen = new Set<object>()): Verdict {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return 'faithful'
    case 'number':
      if (!Number.isFinite(value)) return 'refused'
      return Object.is(value, -0) ? 'converted' : 'faithful'
    case 'object':
      break
    default:
      // bigint, function, symbol, undefined inside a value.
      return 'refused'
  }
  if (value === null) return 'faithful'
  if (seen.has(value)) return 'refused'
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'refused' : 'converted'
  const proto: unknown = Object.getPrototypeOf(value)
  let children: unknown[]
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value)) return 'refused'
    children = [...value]
  } else if (proto === Object.prototype || proto === null) {
    children = Object.values(value)
  } else {
    // Boxed primitives, Map, Set, typed arrays: JSON turns them into something else.
    return 'refused'
  }
  const inner = new Set(seen).add(value)
  const verdicts = children.map((child) => classify(child, inner))
  if (verdicts.includes('refused')) return 'refused'
  return verdicts.includes('converted') || proto === null ? 'converted' : 'faithful'
}

const values = fc.oneof(
  fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withTypedArray: true,
    withSparseArray: true,
    withObjectString: true,
    stringUnit: 'binary',
    maxDepth: 3,
  }),
  // Values JSON carries as they are, and converted ones (Dates, -0), which fc.anything
  // generates rarely.
  fc.jsonValue(),
  fc.date({ noInvalidDate: true }),
  fc.record({ when: fc.date({ noInvalidDate: true }), zero: fc.constant(-0) }),
  fc.constantFrom(Symbol('s'), () => 1, new Date(Number.NaN), [1, () => 2], {
    nested: { deep: [Number.NaN] },
  }),
)

describe('session data through Session#set and a real SQLite store', () => {
  it('3,000 values: faithful ones round-trip, converted ones are their JSON, the rest are refused at set', async () => {
    const counts: Record<Verdict, number> = { faithful: 0, converted: 0, refused: 0 }
    await fc.assert(
      fc.asyncProperty(values, async (value) => {
        if (value === undefined) return // set(key, undefined) deletes the key; tested in the unit suite.
        const verdict = classify(value)
        counts[verdict]++
        const session = await manager.load()
        if (verdict === 'refused') {
          expect(() => session.set('value', value as never)).toThrow(InvalidSessionDataError)
          expect(session.has('value')).toBe(false)
          return
        }
        session.set('value', value as never)
        const expected = JSON.parse(JSON.stringify(value)) as unknown
        if (verdict === 'faithful') expect(session.get('value')).toEqual(value)
        expect(session.get('value')).toEqual(expected)
        const [cookie] = await manager.commit(session)
        const reloaded = await manager.load(cookie?.split(';')[0])
        expect(reloaded.get('value')).toEqual(expected)
      }),
      { numRuns: 3000, seed: 20_261_130 },
    )
    // The generator must exercise all three outcomes, or the property proves little.
    expect(counts.faithful).toBeGreaterThan(300)
    expect(counts.refused).toBeGreaterThan(300)
    expect(counts.converted).toBeGreaterThan(30)
  })

  it('a cycle is refused at set with the key named', async () => {
    const session = await manager.load()
    const cyclic: Record<string, unknown> = { a: [] }
    ;(cyclic.a as unknown[]).push(cyclic)
    expect(() => session.set('loop', cyclic as never)).toThrow(/session key "loop"/)
  })
})

describe('Express adapter: req.session keeps express-session semantics', () => {
  /*
   * req.session's data are plain properties (express-session's API), so there is no set call
   * to refuse at: a Proxy could catch top-level assignments but not `req.session.cart.push(x)`,
   * and express-session apps rely on undefined and functions being dropped silently. So the
   * adapter does what express-session does: properties JSON drops are not data; a value
   * JSON.stringify throws on (BigInt, a cycle) fails the request with 500 at commit and
   * writes nothing. Apps that want set-time refusal use the core Session (sessionkit/node,
   * /fetch, /hono, /fastify, /koa).
   */
  let server: Server
  let base: string
  const store = new MemoryStore({ sweepInterval: 0 })

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
    await store.close()
  })

  it('a BigInt or a cycle fails the request with 500 and stores nothing', async () => {
    const app = express()
    const reported: unknown[] = []
    app.use(
      expressSession({
        store,
        secret: SECRET,
        resave: false,
        saveUninitialized: false,
        onError: (error) => void reported.push(error),
      }),
    )
    app.get('/bigint', (req, res) => {
      Object.assign(req.session, { n: 10n })
      res.send('ok')
    })
    app.get('/cycle', (req, res) => {
      const loop: Record<string, unknown> = {}
      loop.self = loop
      Object.assign(req.session, { loop })
      res.send('ok')
    })
    // Express's default handler would print the stack; the status is what is under test.
    app.use((_error: unknown, _req: express.Request, res: express.Response, _next: unknown) => {
      res.status(500).end()
    })
    server = createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    for (const path of ['/bigint', '/cycle']) {
      const response = await fetch(`${base}${path}`)
      expect(response.status).toBe(500)
      expect(response.headers.getSetCookie()).toEqual([])
    }
    expect(store.size).toBe(0)
    // JSON.stringify's own TypeErrors, reported as the app's error at commit.
    expect(reported).toHaveLength(2)
    for (const error of reported) expect(error).toBeInstanceOf(TypeError)
  })
})
