/**
 * Type tests for sessionkit/express, checked by `tsc` in `npm test` (the runtime part is
 * trivial). They mirror @types/express-session: SessionData is extended by declaration merging
 * (users write `declare module 'sessionkit/express'`; inside this repository the module is
 * named by its path), req.session is `Session & Partial<SessionData>`, and stores that extend
 * express-session's Store (connect-redis) or this module's are accepted.
 */
import type { RedisStore } from 'connect-redis'
import express, { type Request } from 'express'
import { describe, expectTypeOf, it } from 'vitest'
import session, {
  type Cookie,
  type DeviceSession,
  MemoryStore,
  type Session,
  Store,
  type StoredSession,
} from '../../src/adapters/express.js'
import { openStore } from '../../src/stores/open-store.js'

declare module '../../src/adapters/express.js' {
  interface SessionData {
    typedCount: number
    profile: { name: string }
  }
  interface FlashData {
    notice: string
  }
}

const secret = 'a-secret-of-32-bytes-or-more-for-the-type-test'

function handler(req: Request): void {
  // Declared keys are typed, and optional (Partial<SessionData>), as with @types/express-session.
  expectTypeOf(req.session.typedCount).toEqualTypeOf<number | undefined>()
  expectTypeOf(req.session.profile).toEqualTypeOf<{ name: string } | undefined>()
  req.session.typedCount = (req.session.typedCount ?? 0) + 1
  // @ts-expect-error: a key nobody declared
  req.session.undeclaredKey = 1
  // @ts-expect-error: the wrong type for a declared key
  req.session.typedCount = 'one'
  // @ts-expect-error: the ID is read-only
  req.session.id = 'mine'

  expectTypeOf(req.sessionID).toEqualTypeOf<string>()
  expectTypeOf(req.sessionStore).toEqualTypeOf<Store>()
  expectTypeOf(req.session.cookie).toEqualTypeOf<Cookie>()
  expectTypeOf(req.session.cookie.maxAge).toEqualTypeOf<number | null>()
  expectTypeOf(req.session.cookie.originalMaxAge).toEqualTypeOf<number | null>()
  req.session.cookie.maxAge = 60_000
  req.session.cookie.expires = null

  // express-session's methods, with callbacks, chainable.
  expectTypeOf(req.session.regenerate((err) => void err)).toEqualTypeOf<
    Session & Partial<import('../../src/adapters/express.js').SessionData>
  >()
  req.session.destroy(() => {})
  req.session.reload(() => {})
  req.session.save()
  req.session.touch().resetMaxAge()

  // sessionkit extras.
  expectTypeOf(req.session.login('user-1')).toEqualTypeOf<Promise<void>>()
  expectTypeOf(req.session.logout()).toEqualTypeOf<Promise<void>>()
  expectTypeOf(req.session.devices()).toEqualTypeOf<Promise<DeviceSession[]>>()
  expectTypeOf(req.session.flash('notice')).toEqualTypeOf<string | undefined>()
  expectTypeOf(req.session.flash('other')).toEqualTypeOf<unknown>()
  req.session.flash('notice', 'Saved')
  // @ts-expect-error: a declared flash key takes its declared type
  req.session.flash('notice', 42)
}

// A third-party store written against this module's Store.
class ThirdPartyStore extends Store {
  get(_sid: string, callback: (err: unknown, session?: StoredSession | null) => void): void {
    callback(null, null)
  }
  set(_sid: string, _session: StoredSession, callback?: (err?: unknown) => void): void {
    callback?.()
  }
  destroy(_sid: string, callback?: (err?: unknown) => void): void {
    callback?.()
  }
}

// @ts-expect-error: destroy is required
class IncompleteStore extends Store {
  get(_sid: string, callback: (err: unknown, session?: StoredSession | null) => void): void {
    callback(null, null)
  }
  set(_sid: string, _session: StoredSession, callback?: (err?: unknown) => void): void {
    callback?.()
  }
}

declare const redisStore: RedisStore

function options(): void {
  const app = express()
  app.use(session({ secret, resave: false, saveUninitialized: false }))
  app.use(session({ secret: [secret, 'previous'], store: new ThirdPartyStore() }))
  app.use(session({ secret, store: redisStore }))
  app.use(session({ secret, store: new MemoryStore() }))
  app.use(session({ secret, store: openStore('memory:'), idleTimeout: '30m', lifetime: '7d' }))
  app.use(
    session({
      secret,
      cookie: (req) => ({ secure: req.secure, maxAge: 60_000, sameSite: 'auto' }),
    }),
  )
  app.use(
    session({ secret, genid: (req) => `${req.ip}-${Date.now()}`, proxy: true, unset: 'destroy' }),
  )
  // @ts-expect-error: secret is required, as in @types/express-session
  session({ resave: false })
  // @ts-expect-error: unset is 'destroy' or 'keep'
  session({ secret, unset: 'remove' })
  // @ts-expect-error: cookie.secure is a boolean or 'auto'
  session({ secret, cookie: { secure: 'yes' } })
  // express-session's constructors on the default export.
  expectTypeOf(new session.MemoryStore()).toEqualTypeOf<MemoryStore>()
  expectTypeOf(session.Store).toEqualTypeOf<typeof Store>()
}

describe('sessionkit/express types', () => {
  it('are checked by tsc', () => {
    expectTypeOf(handler).toBeFunction()
    expectTypeOf(options).toBeFunction()
    expectTypeOf<IncompleteStore>().not.toBeNever()
  })
})
