import { describe, expect, it } from 'vitest'
import { InvalidConfigError } from '../../core/errors.js'
import { literalPattern } from './connect-redis.js'
import { legacyRecord, userIdAt } from './legacy.js'
import { parseLegacyUrl } from './legacy-url.js'

const NOW = 1_700_000_000_000
const sess = (cookie: Record<string, unknown>, data: Record<string, unknown> = {}) =>
  JSON.stringify({ cookie, ...data })

describe('legacyRecord', () => {
  it('keeps express-session’s cookie settings without expires, as sessionkit/express stores them', () => {
    const record = legacyRecord(
      sess({ originalMaxAge: 60_000, expires: new Date(NOW + 60_000).toISOString(), path: '/' }),
      null,
      NOW,
      {},
    )
    expect(record).toMatchObject({ data: { cookie: { originalMaxAge: 60_000, path: '/' } } })
  })

  it('keeps the data without express-session’s cookie, with the store’s expiry first', () => {
    const record = legacyRecord(
      sess({ expires: new Date(NOW + 1000).toISOString() }, { a: 1, passport: { user: 'u' } }),
      NOW + 5000,
      NOW,
      { userField: 'passport.user' },
    )
    expect(record).toEqual({
      data: { cookie: {}, a: 1, passport: { user: 'u' } },
      userId: 'u',
      tenantId: null,
      ip: null,
      userAgent: null,
      createdAt: NOW,
      updatedAt: NOW,
      lastSeenAt: NOW,
      expiresAt: NOW + 5000,
    })
  })

  it('falls back to cookie.expires, then to the default TTL, else skips', () => {
    const expires = new Date(NOW + 7000).toISOString()
    expect(legacyRecord(sess({ expires }), null, NOW, {})).toMatchObject({ expiresAt: NOW + 7000 })
    expect(
      legacyRecord(sess({ expires: null }), null, NOW, { defaultTtlMs: 60_000 }),
    ).toMatchObject({ expiresAt: NOW + 60_000 })
    expect(legacyRecord(sess({ expires: null }), null, NOW, {})).toBe('noExpiry')
    expect(legacyRecord(sess({ expires: 'not a date' }), null, NOW, {})).toBe('noExpiry')
  })

  it('skips expired and unreadable sessions', () => {
    expect(legacyRecord(sess({}), NOW, NOW, {})).toBe('expired')
    expect(legacyRecord('{oops', NOW + 1, NOW, {})).toBe('unreadable')
    expect(legacyRecord('[1,2]', NOW + 1, NOW, {})).toBe('unreadable')
    expect(legacyRecord('null', NOW + 1, NOW, {})).toBe('unreadable')
  })
})

describe('userIdAt', () => {
  it('reads strings and numbers at a dotted path, and nothing else', () => {
    const data = { passport: { user: 42 }, name: 'n', empty: '', obj: { a: 1 }, __proto__x: 1 }
    expect(userIdAt(data, 'passport.user')).toBe('42')
    expect(userIdAt(data, 'name')).toBe('n')
    expect(userIdAt(data, 'empty')).toBeNull()
    expect(userIdAt(data, 'obj')).toBeNull()
    expect(userIdAt(data, 'missing.path')).toBeNull()
    expect(userIdAt(data, 'constructor')).toBeNull()
    expect(userIdAt(data, undefined)).toBeNull()
  })
})

describe('parseLegacyUrl', () => {
  it('reads connect-redis URLs with connect-redis’s defaults', () => {
    expect(parseLegacyUrl('connect-redis://127.0.0.1')).toEqual({
      kind: 'connect-redis',
      host: '127.0.0.1',
      port: 6379,
      db: 0,
      username: undefined,
      password: undefined,
      tls: false,
      prefix: 'sess:',
    })
    expect(
      parseLegacyUrl('connect-redis://app:p%40ss@[::1]:6380/2?prefix=myapp%3Asess%3A&tls=true'),
    ).toMatchObject({
      host: '::1',
      port: 6380,
      db: 2,
      username: 'app',
      password: 'p@ss',
      tls: true,
      prefix: 'myapp:sess:',
    })
  })

  it('reads connect-pg-simple URLs into a pg connection string', () => {
    expect(
      parseLegacyUrl(
        'connect-pg-simple://app:pw@db.internal:5433/shop?schema=auth&table=sessions&sslmode=require',
      ),
    ).toEqual({
      kind: 'connect-pg-simple',
      connectionString: 'postgres://app:pw@db.internal:5433/shop?sslmode=require',
      table: 'sessions',
      schema: 'auth',
    })
    expect(parseLegacyUrl('connect-pg-simple://u@h/db')).toMatchObject({
      table: 'session',
      schema: null,
    })
  })

  it('returns null for other schemes', () => {
    expect(parseLegacyUrl('sqlite:./x.db')).toBeNull()
    expect(parseLegacyUrl('redis://127.0.0.1')).toBeNull()
  })

  it.each([
    'connect-redis://127.0.0.1?prefx=a',
    'connect-redis://127.0.0.1/abc',
    'connect-redis://127.0.0.1?tls=yes',
    'connect-redis:///nohost',
    'connect-pg-simple://u:secret@h/db?table=x;drop',
    'connect-pg-simple://u@h/db?schema=a.b',
    'connect-pg-simple://u@h/db#frag',
  ])('refuses %s without repeating it', (url) => {
    let error: unknown
    try {
      parseLegacyUrl(url)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(InvalidConfigError)
    expect((error as InvalidConfigError).field).toBe('from')
    expect((error as Error).message).not.toContain('secret')
  })
})

describe('literalPattern', () => {
  it('escapes SCAN glob characters', () => {
    expect(literalPattern('sess:')).toBe('sess:*')
    expect(literalPattern('a*b?c[d]e\\')).toBe('a\\*b\\?c\\[d\\]e\\\\*')
  })
})
