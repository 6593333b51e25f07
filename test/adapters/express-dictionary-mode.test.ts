/**
 * sessionkit/express puts Express's req and res into V8's dictionary mode
 * (src/adapters/express/dictionary-mode.ts). These tests pin what that must not change (every
 * own property keeps its value and attributes, accessors and plain node objects are left
 * alone) and that it happens: a child node run with --allow-natives-syntax asks V8 itself.
 */
import { spawnSync } from 'node:child_process'
import { createServer, IncomingMessage, type ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import express, { type Request, type Response } from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { useDictionaryMode } from '../../src/adapters/express/dictionary-mode.js'
import session from '../../src/adapters/express.js'
import { MemoryStore } from '../../src/stores/memory.js'
import { EXPRESS_SECRET, type Served, serve } from './express-helpers.js'

type Descriptors = Record<string, PropertyDescriptor>

/** Own property descriptors, keyed by name (symbols included), in no particular order. */
function ownDescriptors(target: object): Descriptors {
  const all = Object.getOwnPropertyDescriptors(target) as Record<
    string | symbol,
    PropertyDescriptor
  >
  const byName: Descriptors = {}
  for (const key of Reflect.ownKeys(all)) byName[String(key)] = all[key] as PropertyDescriptor
  return byName
}

describe('sessionkit/express and dictionary mode', () => {
  const served: Served[] = []

  afterEach(async () => {
    await Promise.all(served.splice(0).map((s) => s.close()))
  })

  it('keeps every own property of req and res, with its value and attributes', async () => {
    const seen: Array<{ before: [Descriptors, Descriptors]; after: [Descriptors, Descriptors] }> =
      []
    const app = express()
    app.use((req: Request, res: Response, next) => {
      const before: [Descriptors, Descriptors] = [ownDescriptors(req), ownDescriptors(res)]
      useDictionaryMode(req, res)
      seen.push({ before, after: [ownDescriptors(req), ownDescriptors(res)] })
      next()
    })
    app.get('/', (req, res) => {
      res.json({ version: req.httpVersion, url: req.originalUrl })
    })
    const s = await serve(app)
    served.push(s)
    const response = await fetch(`${s.url}/?x=1`)
    expect(await response.json()).toEqual({ version: '1.1', url: '/?x=1' })
    expect(seen).toHaveLength(1)
    const [{ before, after }] = seen as [(typeof seen)[number]]
    expect(after[0]).toEqual(before[0])
    expect(after[1]).toEqual(before[1])
    // The property that went round trip is really there, as an own data property.
    expect(Object.getOwnPropertyDescriptor(after[0], 'httpVersionMinor')).toBeDefined()
  })

  it('leaves a plain node request and response as they are, key order included', async () => {
    const orders: string[][] = []
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const keys = [Object.keys(req), Object.keys(res)]
      useDictionaryMode(req, res)
      orders.push(...keys, Object.keys(req), Object.keys(res))
      res.end('ok')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    try {
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok')
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
    const [reqBefore, resBefore, reqAfter, resAfter] = orders
    expect(reqAfter).toEqual(reqBefore)
    expect(resAfter).toEqual(resBefore)
  })

  it('leaves an accessor or a non-configurable property where it is', () => {
    const prototype = Object.create(IncomingMessage.prototype) as object
    const accessor = new IncomingMessage(new Socket())
    Object.setPrototypeOf(accessor, prototype)
    let reads = 0
    Object.defineProperty(accessor, 'httpVersionMinor', {
      configurable: true,
      enumerable: true,
      get: () => {
        reads++
        return 1
      },
    })
    const fixed = new IncomingMessage(new Socket())
    Object.setPrototypeOf(fixed, prototype)
    Object.defineProperty(fixed, 'httpVersionMinor', { value: 1, configurable: false })
    const response = Object.create(Object.create(Object.prototype)) as object
    useDictionaryMode(accessor, response)
    useDictionaryMode(fixed, response)
    expect(reads).toBe(0)
    expect(typeof Object.getOwnPropertyDescriptor(accessor, 'httpVersionMinor')?.get).toBe(
      'function',
    )
    expect(Object.getOwnPropertyDescriptor(fixed, 'httpVersionMinor')).toMatchObject({
      value: 1,
      configurable: false,
    })
  })

  it('still loads and saves sessions through the middleware', async () => {
    const app = express()
    app.use(
      session({
        secret: EXPRESS_SECRET,
        resave: false,
        saveUninitialized: false,
        store: new MemoryStore(),
      }),
    )
    app.post('/count', (req, res) => {
      const data = req.session as unknown as Record<string, number>
      data.n = (data.n ?? 0) + 1
      res.send(String(data.n))
    })
    const s = await serve(app)
    served.push(s)
    const first = await fetch(`${s.url}/count`, { method: 'POST' })
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    expect(await first.text()).toBe('1')
    const second = await fetch(`${s.url}/count`, { method: 'POST', headers: { cookie } })
    expect(await second.text()).toBe('2')
  })

  it('puts req and res into dictionary mode, as V8 itself reports', () => {
    // V8's own answer needs --allow-natives-syntax, so a child node process runs the check.
    const script = fileURLToPath(new URL('../fixtures/dictionary-mode-probe.ts', import.meta.url))
    const child = spawnSync(
      process.execPath,
      ['--allow-natives-syntax', '--import', 'tsx', script],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    )
    expect(child.stderr).toBe('')
    expect(JSON.parse(child.stdout)).toEqual({
      withoutSession: { req: true, res: true },
      withSession: { req: false, res: false },
    })
  })
})
