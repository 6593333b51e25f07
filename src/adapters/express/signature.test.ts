import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { KeyRing, sign } from '../../core/crypto.js'
import { generateId } from '../../core/ids.js'
import { readSessionId, signValue, unsignValue } from './signature.js'

/** express-session's own signer (a dependency of it), without type declarations. */
const cookieSignature = createRequire(import.meta.url)('cookie-signature') as {
  sign(value: string, secret: string): string
  unsign(value: string, secret: string): string | false
}

const SECRET = 'keyboard cat'

describe('cookie-signature compatibility', () => {
  it('signs exactly as cookie-signature does', () => {
    for (const value of ['apple', 'a/b+c', generateId(), '%', '']) {
      expect(signValue(value, SECRET)).toBe(cookieSignature.sign(value, SECRET))
    }
    expect(signValue('apple', Buffer.from(SECRET))).toBe(cookieSignature.sign('apple', SECRET))
  })

  it('accepts what cookie-signature signed, with any of the secrets, and nothing else', () => {
    const signed = cookieSignature.sign('apple', 'old secret')
    expect(unsignValue(signed, [SECRET, 'old secret'])).toBe('apple')
    expect(unsignValue(signed, [SECRET])).toBeNull()
    expect(unsignValue(`${signed}x`, ['old secret'])).toBeNull()
    expect(unsignValue('apple', ['old secret'])).toBeNull()
  })
})

describe('readSessionId', () => {
  const reader = { name: 'connect.sid', secrets: [SECRET], keys: null }
  const header = (value: string) => ({
    headers: { cookie: `connect.sid=${encodeURIComponent(value)}` },
  })

  it("reads express-session's s:<id>.<mac>", () => {
    expect(readSessionId(header(`s:${cookieSignature.sign('abc', SECRET)}`), reader)).toBe('abc')
  })

  it('ignores unsigned and wrongly signed values', () => {
    expect(readSessionId(header('abc'), reader)).toBeUndefined()
    expect(
      readSessionId(header(`s:${cookieSignature.sign('abc', 'other')}`), reader),
    ).toBeUndefined()
    expect(readSessionId({ headers: {} }, reader)).toBeUndefined()
  })

  it("reads sessionkit's own <id>.<mac> when the secrets make a key ring", () => {
    const secret = generateId()
    const keys = new KeyRing([secret])
    const id = generateId()
    const withRing = { name: 'connect.sid', secrets: [secret], keys }
    expect(readSessionId(header(sign(keys, id)), withRing)).toBe(id)
    expect(readSessionId(header(sign(new KeyRing([generateId()]), id)), withRing)).toBeUndefined()
  })

  it("falls back to cookie-parser's req.signedCookies and req.cookies, as express-session does", () => {
    expect(readSessionId({ headers: {}, signedCookies: { 'connect.sid': 'abc' } }, reader)).toBe(
      'abc',
    )
    const cookies = { 'connect.sid': `s:${cookieSignature.sign('def', SECRET)}` }
    expect(readSessionId({ headers: {}, cookies }, reader)).toBe('def')
  })
})
