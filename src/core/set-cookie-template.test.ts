import { serialize } from 'cookie'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SetCookieTemplate, type TemplateAttributes } from './set-cookie-template.js'

const attributes: fc.Arbitrary<TemplateAttributes> = fc.record(
  {
    path: fc.constantFrom('/', '/app', '/a/b'),
    domain: fc.constantFrom('example.com', 'sub.example.org'),
    httpOnly: fc.boolean(),
    secure: fc.boolean(),
    sameSite: fc.constantFrom('lax' as const, 'strict' as const, 'none' as const, true, false),
    partitioned: fc.boolean(),
    priority: fc.constantFrom('low' as const, 'medium' as const, 'high' as const),
    maxAge: fc.integer({ min: 0, max: 10_000_000 }),
  },
  { requiredKeys: [] },
)

describe('SetCookieTemplate', () => {
  it('renders exactly what the cookie package serializes, for any attributes, value and expiry', () => {
    fc.assert(
      fc.property(
        attributes,
        fc.boolean(),
        fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.-]{0,90}$/), fc.string({ maxLength: 40 })),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (attrs, dated, value, expiresAt) => {
          const template = new SetCookieTemplate('sid', attrs, dated)
          let expected: string | Error
          try {
            expected = serialize(
              'sid',
              value,
              dated ? { ...attrs, expires: new Date(expiresAt) } : attrs,
            )
          } catch (error) {
            expected = error as Error
          }
          if (expected instanceof Error) {
            expect(() => template.render(value, expiresAt)).toThrow()
          } else {
            expect(template.render(value, expiresAt)).toBe(expected)
          }
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('encodes values outside base64url the way the serializer does', () => {
    const template = new SetCookieTemplate('connect.sid', { path: '/', httpOnly: true }, true)
    expect(template.render('s:abc+/=.x', 0)).toBe(
      'connect.sid=s%3Aabc%2B%2F%3D.x; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly',
    )
    // express-session's signed value, encoded by a fast path.
    for (const value of ['s:abc_-.x', 's:', 's:a:b', 'S:abc', 'x:abc']) {
      expect(template.render(value, 0), value).toBe(
        serialize('connect.sid', value, { path: '/', httpOnly: true, expires: new Date(0) }),
      )
    }
  })

  it('leaves Expires out of an undated template', () => {
    const template = new SetCookieTemplate('sid', { path: '/', sameSite: 'lax' }, false)
    expect(template.render('abc', 123)).toBe('sid=abc; Path=/; SameSite=Lax')
  })
})
