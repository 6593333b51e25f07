/**
 * The store side of sessionkit/express: MemoryStore's express-session API (length, all, clear,
 * get/set by ID), replacing its methods the way express-session's own tests and apps do
 * (spies, injected failures), disconnect events, store failures, and Store#load /
 * Store#createSession for sessions used outside a request.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import express, { type Express, type NextFunction, type Request, type Response } from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { signValue } from '../../src/adapters/express/signature.js'
import session, {
  type MemoryStore,
  type SessionOptions,
  type StoredSession,
} from '../../src/adapters/express.js'
import { Browser } from './client.js'
import { dataOf, EXPRESS_SECRET, type Served, serve, sleep } from './express-helpers.js'

type Callback = (err?: unknown) => void

const run = promisify(execFile)

function promised<T>(
  run: (callback: (err: unknown, value?: T) => void) => void,
): Promise<T | undefined> {
  return new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value))))
}

/** The Cookie header for `sid`, signed as express-session signs it. */
function cookieFor(sid: string): string {
  return `connect.sid=${encodeURIComponent(`s:${signValue(sid, EXPRESS_SECRET)}`)}`
}

describe('MemoryStore from sessionkit/express', () => {
  let served: Served | undefined
  let store: MemoryStore
  const errors: unknown[] = []

  afterEach(async () => {
    await served?.close()
    served = undefined
    errors.length = 0
  })

  async function start(
    options: Partial<SessionOptions> = {},
    handler: (req: Request, res: Response) => void = (req, res) => {
      Object.assign(req.session, { hit: true })
      res.end('session saved')
    },
  ): Promise<Browser> {
    store = new session.MemoryStore()
    const app: Express = express()
    app.use(
      session({
        secret: EXPRESS_SECRET,
        resave: false,
        saveUninitialized: true,
        store,
        onError: (error) => errors.push(error),
        ...options,
      }),
    )
    app.get('/', handler)
    app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).send(err.message)
    })
    served = await serve(app)
    return new Browser(served.url)
  }

  it('answers length and get by session ID', async () => {
    const browser = await start()
    await browser.request('/')
    await new Browser(served?.url ?? '').request('/')
    expect(await promised<number>((cb) => store.length(cb))).toBe(2)
    const sid =
      decodeURIComponent(browser.jar.get('connect.sid') ?? '')
        .slice(2)
        .split('.')[0] ?? ''
    expect(await promised((cb) => store.get(sid, cb))).toMatchObject({
      hit: true,
      cookie: { path: '/' },
    })
  })

  it('serves a session written by hand with set(), and answers all, destroy and clear', async () => {
    const seen: unknown[] = []
    await start({}, (req, res) => {
      seen.push(dataOf(req.session))
      res.end('ok')
    })
    // As express-session's own tests do: write a session, then send its signed cookie.
    const written = { cookie: { path: '/' }, name: 'tj' } as unknown as StoredSession
    await promised<void>((cb) => store.set('123', written, cb))
    await fetch(`${served?.url}/`, { headers: { cookie: cookieFor('123') } })
    expect(seen).toEqual([{ name: 'tj' }])
    // all() keys sessions by store key: the IDs themselves are never stored.
    const all = (await promised<Record<string, StoredSession> | null>((cb) => store.all(cb))) ?? {}
    expect(Object.keys(all)).toHaveLength(1)
    expect(Object.keys(all)[0]).not.toBe('123')
    await promised<void>((cb) => store.destroy('123', cb))
    expect(await promised((cb) => store.get('123', cb))).toBeNull()
    await promised<void>((cb) => store.set('456', written, cb))
    await promised<void>((cb) => store.clear(cb))
    expect(await promised<number>((cb) => store.length(cb))).toBe(0)
  })

  it('goes through a replaced set (a spy): resave: false writes an unchanged session once only', async () => {
    let count = 0
    const browser = await start({ resave: false }, (req, res) => {
      Object.assign(req.session, { user: 'bob' })
      res.end()
    })
    const original = store.set.bind(store)
    store.set = (sid: string, sess: StoredSession, callback?: Callback) => {
      count++
      original(sid, sess, callback)
    }
    await browser.request('/')
    expect(count).toBe(1)
    await browser.request('/')
    expect(count).toBe(1)
  })

  it('waits for a slow set before the response goes out', async () => {
    let saved = false
    const browser = await start()
    const original = store.set.bind(store)
    store.set = (sid: string, sess: StoredSession, callback?: Callback) => {
      setTimeout(
        () =>
          original(sid, sess, (err) => {
            saved = true
            callback?.(err)
          }),
        100,
      )
    }
    const response = await browser.request('/')
    expect(await response.text()).toBe('session saved')
    expect(saved).toBe(true)
  })

  it('passes a get error to next(err), and treats ENOENT as no session', async () => {
    const browser = await start()
    store.get = (
      _sid: string,
      callback: (err: unknown, session?: StoredSession | null) => void,
    ) => {
      callback(new Error('boom!'))
    }
    const failing = await browser.request('/', { headers: { cookie: cookieFor('abc') } })
    expect(failing.status).toBe(500)
    expect(await failing.text()).toBe('boom!')
    store.get = (
      _sid: string,
      callback: (err: unknown, session?: StoredSession | null) => void,
    ) => {
      callback(Object.assign(new Error('gone'), { code: 'ENOENT' }))
    }
    const fresh = await browser.request('/', { headers: { cookie: cookieFor('abc') } })
    expect(fresh.status).toBe(200)
  })

  it('answers 503 with Retry-After when the save fails, instead of a response whose session was lost', async () => {
    const browser = await start()
    store.set = (_sid: string, _sess: StoredSession, callback?: Callback) => {
      callback?.(new Error('boom!'))
    }
    const response = await browser.request('/')
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('5')
    expect(errors).toHaveLength(1)
  })

  it("sends the app's response when only a touch fails (nothing it changed is lost), and reports the error", async () => {
    const browser = await start()
    expect((await browser.request('/')).status).toBe(200)
    let touches = 0
    store.touch = (_sid: string, _sess: StoredSession, callback?: Callback) => {
      touches++
      callback?.(new Error('touch failed'))
    }
    const response = await browser.request('/')
    expect(touches).toBe(1)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('session saved')
    expect(errors).toHaveLength(1)
    const [error] = errors as Array<Error & { cause?: unknown }>
    expect(error?.cause ?? error).toMatchObject({ message: 'touch failed' })
  })

  it("lets an exception thrown by a store callback surface as the app's, not as a swallowed rejection", async () => {
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      'test/fixtures/store-callback-throws.ts',
    ])
    expect(stdout.trim()).toBe('uncaughtException: thrown by the callback')
  })

  it('serves requests without a session while the store says it is disconnected', async () => {
    const seen: string[] = []
    const browser = await start({}, (req, res) => {
      seen.push(typeof (req as { session?: unknown }).session)
      res.end()
    })
    store.emit('disconnect')
    await browser.request('/')
    store.emit('connect')
    await browser.request('/')
    expect(seen).toEqual(['undefined', 'object'])
  })

  it('neither saves nor sends a cookie when the app replaced req.sessionID with a non-string', async () => {
    const browser = await start({}, (req, res) => {
      ;(req as { sessionID: unknown }).sessionID = () => {}
      Object.assign(req.session, { test1: 1 })
      res.end()
    })
    const response = await browser.request('/')
    expect(response.headers.getSetCookie()).toEqual([])
    expect(await promised<number>((cb) => store.length(cb))).toBe(0)
  })

  it('lists only data and cookie as enumerable properties, as express-session does', async () => {
    const browser = await start({}, (req, res) => {
      Object.assign(req.session, { test1: 1, test2: 'b' })
      const keys: string[] = []
      for (const key in req.session) keys.push(key)
      res.end(`${Object.keys(req.session).sort().join(',')}|${keys.sort().join(',')}`)
    })
    expect(await (await browser.request('/')).text()).toBe('cookie,test1,test2|cookie,test1,test2')
  })

  it('load(sid) gives a session usable outside a request: save, reload, destroy', async () => {
    const browser = await start()
    await browser.request('/')
    const sid =
      decodeURIComponent(browser.jar.get('connect.sid') ?? '')
        .slice(2)
        .split('.')[0] ?? ''
    const loaded = await promised<import('../../src/adapters/express.js').Session>((cb) =>
      store.load(sid, cb),
    )
    expect(loaded?.id).toBe(sid)
    expect(dataOf(loaded)).toEqual({ hit: true })
    Object.assign(loaded ?? {}, { fromSocket: 1 })
    await promised<void>((cb) => loaded?.save(cb))
    expect(await promised((cb) => store.get(sid, cb))).toMatchObject({ hit: true, fromSocket: 1 })
    await promised<void>((cb) => loaded?.destroy(cb))
    expect(await promised((cb) => store.get(sid, cb))).toBeNull()
    expect(await promised((cb) => store.load('missing', cb))).toBeUndefined()
    await sleep(1)
  })
})
