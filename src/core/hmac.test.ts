import { createHmac, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hmacSha256 } from './hmac.js'

const ENCODINGS = ['base64', 'base64url', 'hex'] as const

function reference(
  key: Uint8Array | string,
  message: string,
  encoding: (typeof ENCODINGS)[number],
) {
  return createHmac('sha256', key).update(message).digest(encoding)
}

describe('hmacSha256', () => {
  it('gives createHmac’s bytes for any key and message, in each encoding', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.string({ unit: 'grapheme', maxLength: 100 }),
        ),
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 1100 }),
          fc.string({ unit: 'grapheme-ascii', maxLength: 64 }),
        ),
        fc.constantFrom(...ENCODINGS),
        (key, message, encoding) => {
          expect(hmacSha256(key, message, encoding)).toBe(reference(key, message, encoding))
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('matches at the block-size edges of the key and the fast path’s message limit', () => {
    for (const length of [0, 1, 31, 32, 63, 64, 65, 127, 128, 129, 300]) {
      const key = randomBytes(length)
      for (const size of [0, 1, 55, 56, 64, 1023, 1024, 1025, 5000]) {
        const message = 'x'.repeat(size)
        expect(hmacSha256(key, message, 'base64url')).toBe(reference(key, message, 'base64url'))
      }
    }
  })

  it('encodes lone surrogates and astral characters as createHmac does (UTF-8, U+FFFD)', () => {
    const key = randomBytes(32)
    for (const message of ['\ud800', 'a\udc00b', '😀'.repeat(400), '\u00e9'.repeat(1024)]) {
      expect(hmacSha256(key, message, 'hex')).toBe(reference(key, message, 'hex'))
    }
  })

  it('keeps each key’s pads apart, and a reused key gives the same MAC every time', () => {
    const first = randomBytes(32)
    const second = Buffer.from(first)
    second[0] = (second[0] ?? 0) ^ 1
    const message = 'cKV3a3THURE4Wesqpwzymhwtz4BgIX48kBQISaW9_d4'
    const a = hmacSha256(first, message, 'base64')
    const b = hmacSha256(second, message, 'base64')
    expect(a).not.toBe(b)
    expect(hmacSha256(first, message, 'base64')).toBe(a)
    expect(hmacSha256(first, `${message}!`, 'base64')).toBe(
      reference(first, `${message}!`, 'base64'),
    )
    expect(hmacSha256(first, message, 'base64')).toBe(reference(first, message, 'base64'))
  })

  it('stays right past the string-key cache bound', () => {
    for (let index = 0; index < 40; index++) {
      const key = `secret-${index}-${'k'.repeat(index)}`
      expect(hmacSha256(key, 'value', 'base64')).toBe(reference(key, 'value', 'base64'))
    }
    expect(hmacSha256('secret-3-kkk', 'value', 'base64')).toBe(
      reference('secret-3-kkk', 'value', 'base64'),
    )
  })
})
