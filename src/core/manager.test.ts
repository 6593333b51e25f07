import { randomBytes } from 'node:crypto'
import { parseSetCookie } from 'cookie'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryStore } from '../stores/memory.js'
import { InvalidConfigError, InvalidSessionDataError, StoreUnavailableError } from './errors.js'
import { hashId } from './ids.js'
import { SessionManager } from './manager.js'
import type { SessionManagerOptions } from './options.js'
import type { Store } from './store.js'
import { ManualClock } from './time.js'

type Data = { cart: string[]; theme: string; [key: string]: unknown }

const managers: SessionManager<Data>[] = []
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.close()))
})

function setup(options: Partial<SessionManagerOptions> = {}) {
  const clock = new ManualClock(Date.now())
  const store = (options.store ?? new MemoryStore()) as Store
  const calls: string[] = []
  // Records which store methods the manager calls; the real MemoryStore does the work.
  const counted = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        calls.push(String(prop))
        return value.apply(target, args)
      }
    },
  })
  const secret = randomBytes(32).toString('base64url')
  const manager = new SessionManager<Data>({
    secrets: [secret],
    clock,
    cookie: { secure: false },
    ...options,
    store: counted,
  })
  managers.push(manager)
  return { manager, store, clock, calls, secret }
}

/** The Cookie header a browser would send back after these Set-Cookie values. */
function cookieFrom(setCookie: string[]): string {
  const last = setCookie.at(-1)
  if (!last) throw new Error('no Set-Cookie')
  const { name, value } = parseSetCookie(last)
  return `${name}=${value}`
}

describe('SessionManager: lifecycle', () => {
  it('creates nothing for an anonymous visitor who sets nothing', async () => {
    const { manager, calls } = setup()
    const session = await manager.load(undefined)
    expect(session.isNew).toBe(true)
    expect(await manager.commit(session)).toEqual([])
    expect(calls).toEqual([])
  })

  it('saves on first write and reads the data back from the cookie', async () => {
    const { manager, store } = setup()
    const session = await manager.load(undefined)
    session.set('cart', ['sku-1'])
    const setCookie = await manager.commit(session)
    expect(setCookie).toHaveLength(1)
    const parsed = parseSetCookie(setCookie[0] as string)
    expect(parsed).toMatchObject({ name: 'sid', httpOnly: true, sameSite: 'lax', path: '/' })
    const again = await manager.load(cookieFrom(setCookie))
    expect(again.isNew).toBe(false)
    expect(again.id).toBe(session.id)
    expect(again.get('cart')).toEqual(['sku-1'])
    // The store holds the hash, never the ID.
    expect(await store.get(session.id, Date.now())).toBeNull()
    expect(await store.get(hashId(session.id), Date.now())).not.toBeNull()
  })

  it('sees a value changed in place with no call to set, after a load and after a commit', async () => {
    const { manager, calls } = setup()
    const first = await manager.load(undefined)
    first.set('cart', ['a'])
    first.set('count', 1)
    const cookie = cookieFrom(await manager.commit(first))
    const second = await manager.load(cookie)
    second.get('cart')?.push('b')
    calls.length = 0
    await manager.commit(second)
    expect(calls).toEqual(['patch'])
    second.get('cart')?.push('c')
    await manager.commit(second)
    expect(calls).toEqual(['patch', 'patch'])
    expect((await manager.load(cookie)).get('cart')).toEqual(['a', 'b', 'c'])
    calls.length = 0
    await manager.commit(second)
    expect(calls).toEqual([])
  })

  it('writes nothing for an unchanged session and patches only what changed', async () => {
    const { manager, calls } = setup()
    const first = await manager.load(undefined)
    first.set('cart', ['a'])
    first.set('theme', 'dark')
    const cookie = cookieFrom(await manager.commit(first))
    calls.length = 0
    const second = await manager.load(cookie)
    expect(await manager.commit(second)).toEqual([])
    // The memory store answers a load synchronously (getNow); a server store's get is a promise.
    expect(calls).toEqual(['getNow'])
    const third = await manager.load(cookie)
    third.get('cart')?.push('b') // mutated in place, never set: still detected
    third.delete('theme')
    expect(third.changes()).toEqual({ set: { cart: ['a', 'b'] }, removed: ['theme'] })
    await manager.commit(third)
    expect(calls.at(-1)).toBe('patch')
    const fourth = await manager.load(cookie)
    expect(fourth.get('cart')).toEqual(['a', 'b'])
    expect(fourth.has('theme')).toBe(false)
  })

  it('gives a fresh session, without a store call, for tampered, forged or oversized cookies', async () => {
    const { manager, calls } = setup()
    const session = await manager.load(undefined)
    session.set('theme', 'dark')
    const cookie = cookieFrom(await manager.commit(session))
    calls.length = 0
    const value = cookie.slice(cookie.indexOf('=') + 1)
    const tampered: string[] = []
    for (let i = 0; i < value.length; i += 7) {
      const c = value[i] === 'A' ? 'B' : 'A'
      tampered.push(`sid=${value.slice(0, i)}${c}${value.slice(i + 1)}`)
    }
    tampered.push(`sid=${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`)
    for (const bad of [
      ...tampered,
      'sid=',
      'sid=garbage',
      `sid=${'x'.repeat(9000)}`,
      'sid=a.b.c',
      '\u0000',
    ]) {
      const loaded = await manager.load(bad)
      expect(loaded.isNew).toBe(true)
      expect(loaded.id).not.toBe(session.id)
      expect(loaded.get('theme')).toBeUndefined()
    }
    expect(calls).toEqual([])
    // The fresh session clears the bad cookie.
    const fresh = await manager.load(tampered[0])
    const cleared = parseSetCookie((await manager.commit(fresh))[0] as string)
    expect(cleared.value).toBe('')
  })

  it('never adopts an ID it does not know: a destroyed session comes back as a new ID', async () => {
    const { manager } = setup()
    const session = await manager.load(undefined)
    session.set('theme', 'dark')
    const cookie = cookieFrom(await manager.commit(session))
    const oldId = session.id
    await session.destroy()
    const loaded = await manager.load(cookie)
    expect(loaded.isNew).toBe(true)
    expect(loaded.id).not.toBe(oldId)
  })
})

describe('SessionManager: expiry', () => {
  it('ends a session at its absolute lifetime however active it is', async () => {
    const { manager, clock } = setup({ lifetime: '1h', idleTimeout: '30m', touchAfter: '1m' })
    const session = await manager.load(undefined)
    session.set('theme', 'dark')
    const cookie = cookieFrom(await manager.commit(session))
    for (let minute = 5; minute < 60; minute += 5) {
      clock.advance(5 * 60_000)
      const active = await manager.load(cookie)
      expect(active.get('theme')).toBe('dark')
      await manager.commit(active)
    }
    clock.advance(5 * 60_000)
    expect((await manager.load(cookie)).isNew).toBe(true)
  })

  it('ends an idle session, and activity moves the idle deadline and the cookie together', async () => {
    const { manager, clock, store } = setup({
      lifetime: '24h',
      idleTimeout: '30m',
      touchAfter: '1m',
    })
    const session = await manager.load(undefined)
    session.set('theme', 'dark')
    const created = await manager.commit(session)
    const cookie = cookieFrom(created)
    clock.advance(20 * 60_000)
    const active = await manager.load(cookie)
    const touched = await manager.commit(active)
    expect(touched).toHaveLength(1)
    const record = await store.get(hashId(session.id), clock.now())
    expect(record?.expiresAt).toBe(clock.now() + 30 * 60_000)
    // HTTP dates carry whole seconds, so the cookie ends at most a second before the record.
    expect(parseSetCookie(touched[0] as string).expires?.getTime()).toBe(
      Math.floor((record?.expiresAt ?? 0) / 1000) * 1000,
    )
    clock.advance(29 * 60_000)
    expect((await manager.load(cookie)).get('theme')).toBe('dark')
    clock.advance(2 * 60_000 + 1)
    expect((await manager.load(cookie)).isNew).toBe(true)
  })

  it('turns reads into writes at most once per touchAfter', async () => {
    const { manager, clock, calls } = setup({ idleTimeout: '30m', touchAfter: '5m' })
    const session = await manager.load(undefined)
    session.set('theme', 'dark')
    const cookie = cookieFrom(await manager.commit(session))
    calls.length = 0
    for (let i = 0; i < 10; i++) {
      clock.advance(20_000)
      await manager.commit(await manager.load(cookie))
    }
    expect(calls.filter((c) => c === 'touch')).toHaveLength(0)
    clock.advance(5 * 60_000)
    await manager.commit(await manager.load(cookie))
    expect(calls.filter((c) => c === 'touch')).toHaveLength(1)
  })

  it('applies a shortened lifetime to sessions written under the old one', async () => {
    const { manager, clock, store, secret } = setup({ lifetime: '24h' })
    const session = await manager.load(undefined)
    session.set('theme', 'dark')
    const cookie = cookieFrom(await manager.commit(session))
    clock.advance(2 * 3_600_000)
    const stricter = new SessionManager<Data>({
      store,
      secrets: [secret],
      clock,
      lifetime: '1h',
      cookie: { secure: false },
    })
    managers.push(stricter)
    const events: string[] = []
    stricter.on('expired', ({ key }) => events.push(key))
    expect((await stricter.load(cookie)).isNew).toBe(true)
    expect(events).toEqual([hashId(session.id)])
    expect(await store.get(hashId(session.id), clock.now())).toBeNull()
  })
})

describe('SessionManager: no lost updates', () => {
  it('keeps all 200 keys written by 200 concurrent load / set / commit cycles', async () => {
    const { manager, store } = setup()
    const session = await manager.load(undefined)
    session.set('theme', 'dark')
    const cookie = cookieFrom(await manager.commit(session))
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const concurrent = await manager.load(cookie)
        concurrent.set(`key-${i}`, i)
        await manager.commit(concurrent)
      }),
    )
    const record = await store.get(hashId(session.id), Date.now())
    for (let i = 0; i < 200; i++) expect(record?.data[`key-${i}`]).toBe(i)
    expect(record?.data.theme).toBe('dark')
  })

  it('keeps a logout that races an in-flight request a logout', async () => {
    const { manager, store } = setup()
    const session = await manager.load(undefined)
    await session.login('user-1')
    const cookie = cookieFrom(await manager.commit(session))
    const inFlight = await manager.load(cookie)
    const loggingOut = await manager.load(cookie)
    await loggingOut.logout()
    const logoutCookies = await manager.commit(loggingOut)
    expect(parseSetCookie(logoutCookies[0] as string).value).toBe('')
    inFlight.set('cart', ['late'])
    const late = await manager.commit(inFlight)
    expect(parseSetCookie(late[0] as string).value).toBe('')
    expect(inFlight.isDestroyed).toBe(true)
    expect(await store.get(hashId(session.id), Date.now())).toBeNull()
    expect((await manager.load(cookie)).isAuthenticated).toBe(false)
  })
})

describe('SessionManager: changes during a commit', () => {
  it('keeps a change made while a commit is in flight pending for the next commit', async () => {
    const { manager, store } = setup()
    const session = await manager.load(undefined)
    session.set('theme', 'a')
    await manager.commit(session)
    session.set('theme', 'b')
    const inFlight = manager.commit(session)
    session.set('cart', ['late'])
    await inFlight
    expect(session.changes()).toEqual({ set: { cart: ['late'] }, removed: [] })
    await manager.commit(session)
    const record = await store.get(hashId(session.id), Date.now())
    expect(record?.data).toEqual({ theme: 'b', cart: ['late'] })
  })

  it('judges isExpired by the manager clock', async () => {
    const { manager, clock } = setup({ lifetime: '1h' })
    const session = await manager.load(undefined)
    session.set('theme', 'a')
    await manager.commit(session)
    expect(session.isExpired).toBe(false)
    clock.advance(3_600_000)
    expect(session.isExpired).toBe(true)
  })
})

describe('SessionManager: users', () => {
  it('login regenerates the ID, keeps the data, binds the user, and kills the old ID', async () => {
    const { manager } = setup()
    const session = await manager.load({ ip: '203.0.113.9', userAgent: 'Firefox' })
    session.set('cart', ['sku-1'])
    const anonymous = cookieFrom(await manager.commit(session))
    const before = session.id
    await session.login('user-42', { tenantId: 'acme' })
    expect(session.id).not.toBe(before)
    const loggedIn = cookieFrom(await manager.commit(session))
    expect((await manager.load(anonymous)).isNew).toBe(true)
    const loaded = await manager.load(loggedIn)
    expect(loaded.get('cart')).toEqual(['sku-1'])
    expect(loaded.userId).toBe('user-42')
    expect(loaded.tenantId).toBe('acme')
    expect(loaded.isAuthenticated).toBe(true)
    expect(loaded.ip).toBe('203.0.113.9')
    expect(loaded.userAgent).toBe('Firefox')
  })

  it('lists devices, revokes one by handle only for its owner, and all but the current one', async () => {
    const { manager } = setup()
    const devices = []
    for (const agent of ['Firefox', 'Safari', 'Chrome']) {
      const session = await manager.load({ userAgent: agent })
      await session.login('alice')
      await manager.commit(session)
      devices.push(session)
    }
    const mallory = await manager.load(undefined)
    await mallory.login('mallory')
    await manager.commit(mallory)
    const [firefox, safari, chrome] = devices as [typeof mallory, typeof mallory, typeof mallory]
    const listed = await manager.listUserSessions('alice', { current: chrome })
    expect(listed.map((d) => d.userAgent).sort()).toEqual(['Chrome', 'Firefox', 'Safari'])
    expect(listed.filter((d) => d.current).map((d) => d.userAgent)).toEqual(['Chrome'])
    expect(JSON.stringify(listed)).not.toContain(chrome.id)
    const safariHandle = listed.find((d) => d.userAgent === 'Safari')?.handle as string
    expect(await manager.revokeUserSession('mallory', safariHandle)).toBe(false)
    expect(await manager.revokeUserSession('alice', safariHandle)).toBe(true)
    expect(await manager.getUserIdFromSessionId(safari.id)).toBeNull()
    expect(await manager.revokeUserSessions('alice', { except: chrome })).toBe(1)
    expect(await manager.getUserIdFromSessionId(firefox.id)).toBeNull()
    expect(await manager.getUserIdFromSessionId(chrome.id)).toBe('alice')
    expect(await manager.getUserIdFromSessionId(mallory.id)).toBe('mallory')
  })

  it('caps sessions per user by revoking the oldest', async () => {
    const { manager, clock } = setup({ maxSessionsPerUser: 2 })
    const ids: string[] = []
    for (let i = 0; i < 4; i++) {
      clock.advance(1000)
      ids.push(await manager.createSessionForUser('bob'))
    }
    const alive = await Promise.all(ids.map((id) => manager.getUserIdFromSessionId(id)))
    expect(alive).toEqual([null, null, 'bob', 'bob'])
  })

  it('refuses data JSON cannot carry in createSessionForUser, and stores nothing', async () => {
    const { manager, store, clock } = setup()
    await expect(
      manager.createSessionForUser('erin', { data: { score: Number.NaN } }),
    ).rejects.toBeInstanceOf(InvalidSessionDataError)
    expect(await manager.deleteSessionsByUserId('erin')).toBe(0)
    const id = await manager.createSessionForUser('erin', {
      // Not a JsonValue to the type checker, but what a JavaScript caller can pass.
      data: { when: new Date(0) as unknown as string, n: -0 },
    })
    const record = await store.get(hashId(id), clock.now())
    expect(record?.data).toEqual({ when: '1970-01-01T00:00:00.000Z', n: 0 })
  })

  it('serves the auth-storage service API', async () => {
    const { manager } = setup()
    const id = await manager.createSessionForUser('carol', { tenantId: 't1', data: { theme: 'x' } })
    expect(await manager.getUserIdFromSessionId(id)).toBe('carol')
    expect(await manager.getUserIdFromSessionId('not-an-id')).toBeNull()
    const other = await manager.createSessionForUser('carol')
    await manager.deleteSession(id)
    expect(await manager.getUserIdFromSessionId(id)).toBeNull()
    expect(await manager.deleteSessionsByUserId('carol')).toBe(1)
    expect(await manager.getUserIdFromSessionId(other)).toBeNull()
  })
})

describe('SessionManager: flash, header tokens, events', () => {
  it('reads a flash value once', async () => {
    const { manager } = setup()
    const post = await manager.load(undefined)
    post.flash('notice', 'Saved')
    const cookie = cookieFrom(await manager.commit(post))
    const get = await manager.load(cookie)
    expect(get.keys()).toEqual([])
    expect(get.flash('notice')).toBe('Saved')
    await manager.commit(get)
    const after = await manager.load(cookie)
    expect(after.flash('notice')).toBeUndefined()
  })

  it('accepts the signed token from the configured header', async () => {
    const { manager } = setup({ header: 'X-Session-Token' })
    const session = await manager.load(undefined)
    session.set('theme', 'dark')
    await manager.commit(session)
    const token = manager.tokenFor(session)
    expect((await manager.load({ token })).get('theme')).toBe('dark')
    expect((await manager.load({ token: `${token}x` })).isNew).toBe(true)
  })

  it('ignores the header when it is not configured', async () => {
    const { manager } = setup()
    const session = await manager.load(undefined)
    session.set('theme', 'dark')
    await manager.commit(session)
    expect((await manager.load({ token: manager.tokenFor(session) })).isNew).toBe(true)
  })

  it('emits lifecycle events that carry the key, never the raw ID', async () => {
    const { manager } = setup()
    const seen: string[] = []
    for (const name of ['created', 'regenerated', 'destroyed'] as const) {
      manager.on(name, (event) => seen.push(`${name}:${JSON.stringify(event)}`))
    }
    const session = await manager.load(undefined)
    session.set('theme', 'dark')
    await manager.commit(session)
    const firstId = session.id
    await session.login('u')
    const secondId = session.id
    await session.logout()
    expect(seen.map((s) => s.split(':')[0])).toEqual(['created', 'regenerated', 'destroyed'])
    for (const line of seen) {
      expect(line).not.toContain(firstId)
      expect(line).not.toContain(secondId)
    }
  })
})

describe('SessionManager: store failures', () => {
  class DownStore extends MemoryStore {
    down = false
    override async get(key: string, now: number) {
      if (this.down) throw new StoreUnavailableError('memory', 'simulated outage')
      return super.get(key, now)
    }
  }

  it('fails closed by default and open when asked', async () => {
    const store = new DownStore()
    const { manager, secret, clock } = setup({ store })
    const session = await manager.load(undefined)
    session.set('theme', 'dark')
    const cookie = cookieFrom(await manager.commit(session))
    store.down = true
    await expect(manager.load(cookie)).rejects.toBeInstanceOf(StoreUnavailableError)
    const open = new SessionManager<Data>({
      store,
      secrets: [secret],
      clock,
      failOpen: true,
      cookie: { secure: false },
    })
    managers.push(open)
    const degraded = await open.load(cookie)
    expect(degraded.isDegraded).toBe(true)
    expect(await open.commit(degraded)).toEqual([])
    // Writes always fail closed: a change to a degraded session is never silently dropped.
    degraded.set('theme', 'light')
    await expect(open.commit(degraded)).rejects.toBeInstanceOf(StoreUnavailableError)
  })

  it('loads synchronously from a store with getNow, and maps its throws as get rejections', async () => {
    class ThrowingStore extends MemoryStore {
      failure: Error | null = null
      override getNow(key: string, now: number) {
        if (this.failure !== null) throw this.failure
        return super.getNow(key, now)
      }
    }
    const store = new ThrowingStore()
    const { manager, secret, clock } = setup({ store })
    const session = await manager.load(undefined)
    session.set('theme', 'dark')
    const cookie = cookieFrom(await manager.commit(session))
    const loaded = manager.loadNow(cookie)
    expect(loaded).not.toBeInstanceOf(Promise)
    expect((loaded as typeof session).get('theme')).toBe('dark')
    // A throw from getNow is what a rejected get would be: a typed error, or failOpen.
    store.failure = new StoreUnavailableError('memory', 'simulated outage')
    const open = new SessionManager<Data>({
      store,
      secrets: [secret],
      clock,
      failOpen: true,
      cookie: { secure: false },
    })
    managers.push(open)
    expect(() => manager.loadNow(cookie)).toThrow(StoreUnavailableError)
    await expect(manager.load(cookie)).rejects.toBeInstanceOf(StoreUnavailableError)
    store.failure = new TypeError('boom')
    await expect(manager.load(cookie)).rejects.toMatchObject({ code: 'SESSIONKIT_STORE_ERROR' })
    const degraded = await open.load(cookie)
    expect(degraded.isDegraded).toBe(true)
    expect(degraded.get('theme')).toBeUndefined()
  })

  it('wraps unexpected store errors in a typed StoreError', async () => {
    class BrokenStore extends MemoryStore {
      override async set(): Promise<void> {
        throw new TypeError('boom')
      }
    }
    const { manager } = setup({ store: new BrokenStore() })
    const session = await manager.load(undefined)
    session.set('theme', 'dark')
    await expect(manager.commit(session)).rejects.toMatchObject({ code: 'SESSIONKIT_STORE_ERROR' })
  })
})

describe('SessionManager: options', () => {
  it('refuses malformed options naming the field', () => {
    const store = new MemoryStore()
    const secrets = [randomBytes(32).toString('base64url')]
    const cases: Array<[string, Record<string, unknown>]> = [
      ['store', { store: {}, secrets }],
      ['secrets', { store, secrets: ['short'] }],
      ['lifetime', { store, secrets, lifetime: 'forever' }],
      ['lifetime', { store, secrets, lifetime: 0 }],
      ['idleTimeout', { store, secrets, idleTimeout: -5 }],
      ['touchAfter', { store, secrets, idleTimeout: '1m', touchAfter: '5m' }],
      ['header', { store, secrets, header: 'bad header' }],
      ['maxSessionsPerUser', { store, secrets, maxSessionsPerUser: 0 }],
      ['rolling', { store, secrets, rolling: 'yes' }],
      ['cookie.sameSite', { store, secrets, cookie: { sameSite: 'none', secure: false } }],
    ]
    for (const [field, options] of cases) {
      try {
        new SessionManager(options as unknown as SessionManagerOptions)
        expect.unreachable(field)
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidConfigError)
        expect((error as InvalidConfigError).field).toMatch(new RegExp(`^${field}`))
      }
    }
    store.close()
  })
})

describe('SessionManager: cleanup', () => {
  it('removes expired sessions on its interval and stops when closed', async () => {
    const store = new MemoryStore({ sweepInterval: 0 })
    const secret = randomBytes(32).toString('base64url')
    const manager = new SessionManager<Data>({
      store,
      secrets: [secret],
      lifetime: 50,
      cleanupInterval: 20,
    })
    const id = await manager.createSessionForUser('dave')
    const key = hashId(id)
    // The sweeper is off, so only the manager's cleanup timer can remove the record; reading
    // with now = 0 sees it for as long as it physically exists.
    expect(await store.get(key, 0)).not.toBeNull()
    const deadline = Date.now() + 2000
    while ((await store.get(key, 0)) !== null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(await store.get(key, 0)).toBeNull()
    await manager.close()
    await manager.close() // idempotent
    await expect(manager.cleanup()).rejects.toMatchObject({ code: 'SESSIONKIT_STORE_UNAVAILABLE' })
  })

  it('refuses cleanup on a store without the capability', async () => {
    const store = new MemoryStore()
    const limited = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'capabilities') return { ...target.capabilities, cleanup: false }
        if (prop === 'cleanup') return undefined
        const value = Reflect.get(target, prop, receiver)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const { manager } = setup({ store: limited })
    await expect(manager.cleanup()).rejects.toMatchObject({
      code: 'SESSIONKIT_CAPABILITY_UNSUPPORTED',
    })
  })
})
