import { randomBytes, randomInt } from 'node:crypto'
import { parseSetCookie } from 'cookie'
import { afterEach, describe, expect, it } from 'vitest'
import { CapabilityUnsupportedError, CookieTooLargeError } from '../core/errors.js'
import { SessionManager } from '../core/manager.js'
import type { SessionManagerOptions } from '../core/options.js'
import { ManualClock } from '../core/time.js'
import { CookieStore } from './cookie.js'
import { MemoryStore } from './memory.js'
import { openStore } from './open-store.js'

const managers: SessionManager[] = []
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.close()))
})

const secret = () => randomBytes(32).toString('base64url')

function setup(options: Partial<SessionManagerOptions> = {}, store = new CookieStore()) {
  const clock = new ManualClock(Date.now())
  const manager = new SessionManager({
    store,
    secrets: [secret()],
    clock,
    cleanupInterval: null,
    ...options,
  })
  managers.push(manager)
  return { manager, clock, store }
}

/** The browser's cookie jar: applies Set-Cookie lines, returns the Cookie header. */
class Jar {
  readonly cookies = new Map<string, string>()
  apply(lines: string[]): this {
    for (const line of lines) {
      const { name, value, expires } = parseSetCookie(line)
      if (value === '' || (expires && expires.getTime() <= Date.now())) this.cookies.delete(name)
      else this.cookies.set(name, value ?? '')
    }
    return this
  }
  get header(): string {
    return [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ')
  }
}

describe('sealed cookie sessions', () => {
  it('keep the whole session in one cookie and read it back', async () => {
    const { manager } = setup()
    const session = await manager.load(undefined)
    session.set('cart', ['sku-1'])
    await session.login('alice')
    const jar = new Jar().apply(await manager.commit(session))
    expect([...jar.cookies.keys()]).toEqual(['__Host-sid'])
    const loaded = await manager.load(jar.header)
    expect(loaded.get('cart')).toEqual(['sku-1'])
    expect(loaded.userId).toBe('alice')
    expect(loaded.id).toBe(session.id)
  })

  it('split ~7 KB of incompressible data over several cookies under 4096 bytes, and clear stale chunks', async () => {
    const { manager } = setup()
    const blob = randomBytes(7 * 1024).toString('base64')
    const session = await manager.load(undefined)
    session.set('blob', blob)
    const lines = await manager.commit(session)
    expect(lines.length).toBeGreaterThan(1)
    for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThan(4096)
    const jar = new Jar().apply(lines)
    const loaded = await manager.load(jar.header)
    expect(loaded.get('blob')).toBe(blob)

    loaded.set('blob', 'small')
    const shrunk = await manager.commit(loaded)
    jar.apply(shrunk)
    expect([...jar.cookies.keys()]).toEqual(['__Host-sid'])
    expect((await manager.load(jar.header)).get('blob')).toBe('small')
  })

  it('refuses a session past maxChunks with CookieTooLargeError', async () => {
    const { manager } = setup({}, new CookieStore({ maxChunks: 2 }))
    const session = await manager.load(undefined)
    session.set('blob', randomBytes(12 * 1024).toString('base64'))
    await expect(manager.commit(session)).rejects.toBeInstanceOf(CookieTooLargeError)
  })

  it('accepts none of 1000 random one-character changes to the cookie', async () => {
    const { manager } = setup()
    const session = await manager.load(undefined)
    session.set('role', 'user')
    const jar = new Jar().apply(await manager.commit(session))
    const value = jar.cookies.get('__Host-sid') as string
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~'
    for (let n = 0; n < 1000; n++) {
      const at = randomInt(value.length)
      let c = value[at] as string
      while (c === value[at]) c = alphabet[randomInt(alphabet.length)] as string
      const loaded = await manager.load(
        `__Host-sid=${value.slice(0, at)}${c}${value.slice(at + 1)}`,
      )
      expect(loaded.isNew).toBe(true)
      expect(loaded.get('role')).toBeUndefined()
    }
  })

  it('load an old cookie with secrets [new, old] but not with [new] alone', async () => {
    const oldSecret = secret()
    const newSecret = secret()
    const store = new CookieStore()
    const make = (secrets: string[]) => {
      const m = new SessionManager({ store, secrets, cleanupInterval: null })
      managers.push(m)
      return m
    }
    const before = make([oldSecret])
    const session = await before.load(undefined)
    session.set('theme', 'dark')
    const header = new Jar().apply(await before.commit(session)).header
    expect((await make([newSecret, oldSecret]).load(header)).get('theme')).toBe('dark')
    expect((await make([newSecret]).load(header)).isNew).toBe(true)
  })

  it('carry the expiry inside the seal, so keeping the cookie longer does not help', async () => {
    const { manager, clock } = setup({ lifetime: '1h', idleTimeout: '10m' })
    const session = await manager.load(undefined)
    session.set('x', 1)
    const header = new Jar().apply(await manager.commit(session)).header
    clock.advance(9 * 60_000)
    expect((await manager.load(header)).get('x')).toBe(1)
    clock.advance(2 * 60_000)
    expect((await manager.load(header)).isNew).toBe(true)
  })

  it('clear every chunk on logout', async () => {
    const { manager } = setup()
    const session = await manager.load(undefined)
    session.set('blob', randomBytes(6000).toString('base64'))
    const jar = new Jar().apply(await manager.commit(session))
    expect(jar.cookies.size).toBeGreaterThan(1)
    const loaded = await manager.load(jar.header)
    await loaded.logout()
    jar.apply(await manager.commit(loaded))
    expect(jar.cookies.size).toBe(0)
  })

  it('treat a missing or foreign chunk as no session', async () => {
    const { manager } = setup()
    const session = await manager.load(undefined)
    session.set('blob', randomBytes(6000).toString('base64'))
    const jar = new Jar().apply(await manager.commit(session))
    const missing = new Map(jar.cookies)
    missing.delete('__Host-sid.1')
    const header = [...missing].map(([n, v]) => `${n}=${v}`).join('; ')
    expect((await manager.load(header)).isNew).toBe(true)
  })

  it('declare what they cannot do', async () => {
    const { manager } = setup()
    expect(new CookieStore().capabilities).toEqual({
      byUser: false,
      cleanup: false,
      iterate: false,
      tokens: false,
    })
    await expect(manager.listUserSessions('u')).rejects.toBeInstanceOf(CapabilityUnsupportedError)
    await expect(manager.revokeUserSessions('u')).rejects.toBeInstanceOf(CapabilityUnsupportedError)
    await expect(manager.createSessionForUser('u')).rejects.toBeInstanceOf(
      CapabilityUnsupportedError,
    )
    await expect(manager.cleanup()).rejects.toBeInstanceOf(CapabilityUnsupportedError)
    await expect(new CookieStore().get()).rejects.toMatchObject({
      code: 'SESSIONKIT_SESSION_STATE',
    })
  })

  it('sign out everywhere with a revocations store, keeping the current session', async () => {
    const revocations = new MemoryStore()
    const store = new CookieStore({ revocations, revocationCacheTtl: 0 })
    const { manager } = setup({}, store)
    const jars: Jar[] = []
    const sessions = []
    for (let i = 0; i < 3; i++) {
      const session = await manager.load(undefined)
      await session.login('alice')
      jars.push(new Jar().apply(await manager.commit(session)))
      sessions.push(session)
    }
    const current = await manager.load((jars[2] as Jar).header)
    expect(await manager.revokeUserSessions('alice', { except: current })).toBe(0)
    ;(jars[2] as Jar).apply(await manager.commit(current))
    expect((await manager.load((jars[0] as Jar).header)).isAuthenticated).toBe(false)
    expect((await manager.load((jars[1] as Jar).header)).isAuthenticated).toBe(false)
    expect((await manager.load((jars[2] as Jar).header)).userId).toBe('alice')
    // A new login after the revocation is valid.
    const fresh = await manager.load(undefined)
    await fresh.login('alice')
    const freshJar = new Jar().apply(await manager.commit(fresh))
    expect((await manager.load(freshJar.header)).userId).toBe('alice')
  })

  it('open from a URL', async () => {
    const store = openStore('cookie:?maxChunks=3&revocations=memory%3A')
    expect(store).toBeInstanceOf(CookieStore)
    expect((store as CookieStore).maxChunks).toBe(3)
    expect((store as CookieStore).revocations).toBeInstanceOf(MemoryStore)
    await store.close()
  })
})
