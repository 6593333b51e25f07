import { describe, expect, it } from 'vitest'
import { Cookie } from './cookie.js'

// express-session's Cookie semantics (its test/cookie.js is the spec).
describe('Cookie', () => {
  it('defaults to path /, HttpOnly, no expiry', () => {
    const cookie = new Cookie()
    expect(cookie.path).toBe('/')
    expect(cookie.httpOnly).toBe(true)
    expect(cookie.expires).toBeNull()
    expect(cookie.maxAge).toBeNull()
    expect(cookie.originalMaxAge).toBeNull()
  })

  it('refuses options that are not an object', () => {
    for (const value of [42, 'foo', true, () => {}]) {
      expect(() => new Cookie(value as never)).toThrow(/argument options/)
    }
  })

  it('ignores a "data" option', () => {
    const cookie = new Cookie({ data: { foo: 'bar' }, path: '/foo' } as never)
    expect(cookie.data.path).toBe('/foo')
    expect((cookie.data as unknown as Record<string, unknown>).foo).toBeUndefined()
  })

  it('maxAge sets expires, counts down, and is kept as originalMaxAge', () => {
    const cookie = new Cookie({ maxAge: 60_000 })
    const left = cookie.expires instanceof Date ? cookie.expires.getTime() - Date.now() : 0
    expect(left).toBeGreaterThan(59_000)
    expect(cookie.maxAge).toBeLessThanOrEqual(60_000)
    expect(cookie.originalMaxAge).toBe(60_000)
  })

  it('expires sets maxAge, and keeps the very Date given', () => {
    const expires = new Date(Date.now() + 60_000)
    const cookie = new Cookie({ expires })
    expect(cookie.expires).toBe(expires)
    expect(Math.abs((cookie.maxAge ?? 0) - 60_000)).toBeLessThan(1000)
  })

  it('takes a Date as maxAge (deprecated), and refuses other types', () => {
    const at = new Date(Date.now() + 60_000)
    expect(new Cookie({ maxAge: at as never }).expires?.getTime()).toBe(at.getTime())
    for (const value of ['42', true, () => {}]) {
      expect(() => new Cookie({ maxAge: value as never })).toThrow(/maxAge/)
    }
  })

  it('applies maxAge and expires in the order given: the last one wins', () => {
    const expires = new Date(Date.now() + 5_000)
    expect(new Cookie({ maxAge: 60_000, expires }).expires).toBe(expires)
    expect(new Cookie({ expires, maxAge: 60_000 }).originalMaxAge).toBe(60_000)
  })

  it('setting expires to false or null makes a browser-session cookie', () => {
    const cookie = new Cookie({ maxAge: 1000 })
    cookie.expires = false
    expect(cookie.expires).toBeNull()
    expect(cookie.maxAge).toBeNull()
  })

  it('keeps a stored originalMaxAge and turns a stored expires string back into a Date', () => {
    const at = new Date(Date.now() + 30_000)
    const cookie = new Cookie({ originalMaxAge: 60_000, expires: at.toISOString() })
    expect(cookie.originalMaxAge).toBe(60_000)
    expect(cookie.expires?.getTime()).toBe(at.getTime())
  })

  it('serializes to the Set-Cookie attributes express-session sends, and to its stored JSON', () => {
    const cookie = new Cookie({
      maxAge: 60_000,
      secure: true,
      sameSite: 'strict',
      domain: 'example.com',
      priority: 'high',
      partitioned: true,
    })
    expect(cookie.serialize('connect.sid', 'v')).toMatch(
      /^connect\.sid=v; Domain=example\.com; Path=\/; Expires=[^;]+; HttpOnly; Secure; Partitioned; Priority=High; SameSite=Strict$/,
    )
    expect(JSON.parse(JSON.stringify(cookie))).toEqual({
      originalMaxAge: 60_000,
      partitioned: true,
      priority: 'high',
      expires: cookie.expires?.toISOString(),
      secure: true,
      httpOnly: true,
      domain: 'example.com',
      path: '/',
      sameSite: 'strict',
    })
  })
})

describe('Cookie#sameSettings', () => {
  it('matches the JSON kept with the session, whatever its key order, and nothing else', () => {
    const cookie = new Cookie({ maxAge: 60_000, sameSite: 'lax', secure: 'auto' })
    const { expires: _, ...kept } = JSON.parse(JSON.stringify(cookie)) as Record<string, unknown>
    expect(cookie.sameSettings(kept)).toBe(true)
    const reordered = Object.fromEntries(Object.entries(kept).reverse())
    expect(cookie.sameSettings(reordered)).toBe(true)
    expect(cookie.sameSettings({ ...kept, path: '/other' })).toBe(false)
    expect(cookie.sameSettings({ ...kept, extra: 1 })).toBe(false)
    const { sameSite: __, ...missing } = kept
    expect(cookie.sameSettings(missing)).toBe(false)
    cookie.maxAge = 120_000
    expect(cookie.sameSettings(kept)).toBe(false)
  })
})
