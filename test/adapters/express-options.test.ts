/**
 * session()'s options: express-session's validation errors and deprecation warnings, the
 * production MemoryStore warning, secrets (weak ones, missing ones, cookie-parser's
 * req.secret), per-request cookie options, and how cookie.maxAge maps onto the core's policy.
 */
import express, { type NextFunction, type Request, type Response } from 'express'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { managerOptions, resolveOptions } from '../../src/adapters/express/options.js'
import { signValue } from '../../src/adapters/express/signature.js'
import session from '../../src/adapters/express.js'
import { InvalidConfigError } from '../../src/core/errors.js'
import { MemoryStore } from '../../src/stores/memory.js'
import { Browser } from './client.js'
import { EXPRESS_SECRET, serve } from './express-helpers.js'

afterEach(() => {
  vi.restoreAllMocks()
})

function warningsDuring(run: () => void): string[] {
  const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
  try {
    run()
    return spy.mock.calls.map(([message]) => String(message))
  } finally {
    spy.mockRestore()
  }
}

describe('session() options', () => {
  it('warns, as express-session does, when resave or saveUninitialized is left to its default (once)', () => {
    const first = warningsDuring(() => session({ secret: EXPRESS_SECRET }))
    expect(first).toEqual([
      'sessionkit/express: undefined resave option; provide resave option',
      'sessionkit/express: undefined saveUninitialized option; provide saveUninitialized option',
    ])
    expect(warningsDuring(() => session({ secret: EXPRESS_SECRET }))).toEqual([])
  })

  it('warns once about a secret shorter than 32 bytes, and still accepts it', () => {
    const warnings = warningsDuring(() =>
      session({ secret: 'keyboard cat', resave: false, saveUninitialized: false }),
    )
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/shorter than 32 bytes/)
  })

  it("throws express-session's TypeErrors for bad options", () => {
    const base = { secret: EXPRESS_SECRET, resave: false, saveUninitialized: false }
    expect(() => session({ ...base, genid: 'nope' as never })).toThrow(
      new TypeError('genid option must be a function'),
    )
    expect(() => session({ ...base, unset: 'remove' as never })).toThrow(
      new TypeError('unset option must be "destroy" or "keep"'),
    )
    expect(() => session({ ...base, secret: [] })).toThrow(
      new TypeError('secret option array must contain one or more strings'),
    )
  })

  it('refuses a fixed cookie with an invalid maxAge or expires when the middleware is made', () => {
    const base = { secret: EXPRESS_SECRET, resave: false, saveUninitialized: false }
    expect(() => session({ ...base, cookie: { expires: new Date(Number.NaN) } })).toThrow(
      new TypeError('cookie.expires option is invalid: not a valid date'),
    )
    expect(() => session({ ...base, cookie: { expires: 'someday' as never } })).toThrow(
      new TypeError('cookie.expires option is invalid: not a valid date'),
    )
    expect(() => session({ ...base, cookie: { maxAge: Number.NaN } })).toThrow(
      new TypeError('cookie.maxAge option is invalid: NaN is not a finite number of milliseconds'),
    )
    expect(() => session({ ...base, cookie: { maxAge: '1h' as never } })).toThrow(
      new TypeError('maxAge must be a number or Date'),
    )
    expect(() => session({ ...base, cookie: { maxAge: 1000, expires: undefined } })).not.toThrow()
  })

  it('refuses a store that is neither a sessionkit store nor an express-session store', () => {
    const build = () =>
      session({
        secret: EXPRESS_SECRET,
        resave: false,
        saveUninitialized: false,
        store: {} as never,
      })
    expect(build).toThrow(InvalidConfigError)
  })

  it('warns about the default MemoryStore when NODE_ENV is production', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    vi.stubEnv('NODE_ENV', 'production')
    try {
      session({ secret: EXPRESS_SECRET, resave: false, saveUninitialized: false })
    } finally {
      vi.unstubAllEnvs()
    }
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/MemoryStore is not\ndesigned for a production environment/),
    )
  })

  it('answers "secret option required for sessions" without a secret, and uses cookie-parser\'s req.secret', async () => {
    const app = express()
    app.use((req, _res, next) => {
      if (req.path === '/with-parser') (req as { secret?: string }).secret = EXPRESS_SECRET
      next()
    })
    app.use(session({ resave: false, saveUninitialized: true } as never))
    app.get(['/', '/with-parser'], (req, res) => {
      res.send(typeof req.sessionID)
    })
    app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).send(err.message)
    })
    const served = await serve(app)
    try {
      const without = await fetch(`${served.url}/`)
      expect(without.status).toBe(500)
      expect(await without.text()).toBe('secret option required for sessions')
      const withParser = await fetch(`${served.url}/with-parser`)
      expect(await withParser.text()).toBe('string')
      const value = decodeURIComponent(
        withParser.headers.getSetCookie()[0]?.split(';')[0]?.slice(12) ?? '',
      )
      const sid = value.slice(2, value.lastIndexOf('.'))
      expect(value).toBe(`s:${signValue(sid, EXPRESS_SECRET)}`)
    } finally {
      await served.close()
    }
  })

  it('takes cookie options as a function of the request', async () => {
    const app = express()
    app.use(
      session({
        secret: EXPRESS_SECRET,
        resave: false,
        saveUninitialized: true,
        cookie: (req) => ({ path: req.path.startsWith('/app') ? '/app' : '/', maxAge: 5000 }),
      }),
    )
    app.get(['/app/x', '/'], (_req, res) => {
      res.send('ok')
    })
    const served = await serve(app)
    try {
      const inApp = await new Browser(served.url).request('/app/x')
      expect(inApp.headers.getSetCookie()[0]).toMatch(/; Path=\/app; Expires=/)
      const root = await new Browser(served.url).request('/')
      expect(root.headers.getSetCookie()[0]).toMatch(/; Path=\/; Expires=/)
    } finally {
      await served.close()
    }
  })

  it('accepts the old `key` option as the cookie name', () => {
    const resolved = resolveOptions({
      secret: EXPRESS_SECRET,
      resave: false,
      saveUninitialized: false,
      key: 'old.sid',
    } as never)
    expect(resolved.name).toBe('old.sid')
  })
})

describe('cookie.maxAge and the core expiry policy (sessionkit stores)', () => {
  const mapped = (options: Parameters<typeof session>[0]) => {
    const resolved = resolveOptions(options)
    return managerOptions(options, resolved, new MemoryStore({ sweepInterval: 0 }))
  }
  const base = { secret: EXPRESS_SECRET, resave: false, saveUninitialized: false }

  it('cookie.maxAge is the idle timeout; only changes extend it, as the cookie only moves on change', () => {
    expect(mapped({ ...base, cookie: { maxAge: 60_000 } })).toMatchObject({
      idleTimeout: 60_000,
      rolling: false,
    })
  })

  it('with rolling, requests that only read extend it too', () => {
    expect(mapped({ ...base, rolling: true, cookie: { maxAge: 60_000 } })).toMatchObject({
      idleTimeout: 60_000,
      rolling: true,
    })
  })

  it("without a maxAge the store forgets a session after a day idle (connect-redis's default TTL)", () => {
    expect(mapped(base)).toMatchObject({ idleTimeout: '24h', rolling: true })
  })

  it('idleTimeout and lifetime can be set explicitly; the lifetime defaults to 400 days', () => {
    expect(mapped({ ...base, idleTimeout: '30m', lifetime: '8h' })).toMatchObject({
      idleTimeout: '30m',
      lifetime: '8h',
    })
    expect(mapped(base).lifetime).toBe(400 * 24 * 3600 * 1000)
  })
})
