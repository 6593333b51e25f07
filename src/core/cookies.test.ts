import { parseSetCookie } from 'cookie'
import { describe, expect, it } from 'vitest'
import {
  clearingCookie,
  cookieValue,
  readCookie,
  resolveCookieOptions,
  sessionCookie,
} from './cookies.js'
import { InvalidConfigError } from './errors.js'

describe('resolveCookieOptions', () => {
  it('defaults to a secure, HttpOnly, SameSite=Lax __Host- cookie', () => {
    expect(resolveCookieOptions(undefined)).toEqual({
      name: '__Host-sid',
      path: '/',
      domain: undefined,
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
      partitioned: false,
      persistent: true,
    })
  })

  it('drops the prefix when the attributes do not allow it', () => {
    expect(resolveCookieOptions({ secure: false }).name).toBe('sid')
    expect(resolveCookieOptions({ domain: 'example.com' }).name).toBe('sid')
    expect(resolveCookieOptions({ path: '/app' }).name).toBe('sid')
    expect(resolveCookieOptions({ hostPrefix: false }).name).toBe('sid')
  })

  it('refuses unsafe or malformed attributes', () => {
    const bad = [
      { name: '' },
      { name: 'a b' },
      { name: 'a;b' },
      { sameSite: 'none', secure: false },
      { sameSite: 'bogus' },
      { path: 'relative' },
      { name: '__Host-x', secure: false },
      { partitioned: true },
    ] as const
    for (const options of bad) {
      // @ts-expect-error deliberately wrong shapes
      expect(() => resolveCookieOptions(options)).toThrow(InvalidConfigError)
    }
  })
})

describe('cookies on the wire', () => {
  const options = resolveCookieOptions({})

  it('writes the attributes and an Expires equal to the session expiry', () => {
    const expiresAt = Date.UTC(2030, 0, 1)
    const parsed = parseSetCookie(sessionCookie(options, 'token.value', expiresAt))
    expect(parsed).toMatchObject({
      name: '__Host-sid',
      value: 'token.value',
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
    })
    expect(parsed.expires?.getTime()).toBe(expiresAt)
  })

  it('omits Expires for browser-session cookies', () => {
    const browserSession = resolveCookieOptions({ persistent: false })
    expect(sessionCookie(browserSession, 'v', Date.now())).not.toMatch(/Expires/i)
  })

  it('clears with an empty value in the past', () => {
    const parsed = parseSetCookie(clearingCookie(options))
    expect(parsed.value).toBe('')
    expect(parsed.maxAge).toBe(0)
    expect(parsed.expires?.getTime()).toBe(0)
  })

  it('reads a cookie and ignores garbage, oversized values and absent headers', () => {
    expect(readCookie('a=1; __Host-sid=abc.def; b=2', '__Host-sid')).toBe('abc.def')
    expect(readCookie(undefined, 'sid')).toBeUndefined()
    expect(readCookie(';;;===;', 'sid')).toBeUndefined()
    expect(readCookie(`sid=${'x'.repeat(5000)}`, 'sid')).toBeUndefined()
    expect(readCookie('sid=%E0%A4%A', 'sid')).toBe('%E0%A4%A')
  })
})

describe('cookieValue', () => {
  it('finds the cookie exactly as the cookie package parses it', async () => {
    const { parse } = await import('cookie')
    const headers = [
      'a=1; sid=abc; sid=second',
      ' sid = spaced ; b=2',
      'nameonly; sid=v',
      'x=1;sid=%7Bjson%7D',
      'sid=%E0%A4%A',
      'xsid=no; sidx=no; sid=yes',
      'sid=; a=1',
      ';;;===;',
      'a=b=c; sid=d=e',
      '\tsid\t=\ttab\t',
      '',
      's',
      // express-session's signed cookie, decoded by a fast path: with and without other escapes.
      'sid=s%3AHZr0dvo-Hw_6Qv4.jOxzXHzmMeR0SsZ35g6wsD2Ay0wZwB4WfCTSpYU; a=1',
      'sid=s%3Aab%2Bc.d',
      'sid=s%3A',
      'sid=s%3Aab%E0%A4%A',
      'sid=%73%3Aabc',
    ]
    for (const header of headers) {
      expect(cookieValue(header, 'sid'), header).toBe(parse(header).sid)
    }
  })
})
