import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { estimateEntropyBits, KeyRing, sign, unsign } from './crypto.js'
import { InvalidConfigError } from './errors.js'

const secret = () => randomBytes(32).toString('base64url')

describe('KeyRing', () => {
  it('refuses missing, short and low-entropy secrets with InvalidConfigError', () => {
    for (const bad of [
      undefined,
      [],
      'short',
      'a'.repeat(64),
      'password'.repeat(4),
      [secret(), 'x'],
      42,
    ]) {
      const attempt = () => new KeyRing(bad)
      expect(attempt).toThrow(InvalidConfigError)
      try {
        attempt()
      } catch (error) {
        expect((error as InvalidConfigError).code).toBe('SESSIONKIT_INVALID_CONFIG')
        // The message names the field but never echoes the secret.
        if (typeof bad === 'string') expect((error as Error).message).not.toContain(bad)
      }
    }
  })

  it('accepts 32 random bytes as text, hex or raw bytes', () => {
    expect(() => new KeyRing(secret())).not.toThrow()
    expect(() => new KeyRing(randomBytes(16).toString('hex'))).not.toThrow()
    expect(() => new KeyRing([randomBytes(32)])).not.toThrow()
  })

  it('derives distinct keys per purpose and per secret, once', () => {
    const ring = new KeyRing([secret(), secret()])
    const signing = ring.keys('cookie-signing')
    expect(signing).toHaveLength(2)
    expect(signing[0]?.equals(signing[1] as Buffer)).toBe(false)
    expect(ring.keys('sealing')[0]?.equals(signing[0] as Buffer)).toBe(false)
    expect(ring.keys('cookie-signing')).toBe(signing)
  })
})

describe('sign / unsign', () => {
  it('round-trips and rejects every single-character change', () => {
    const ring = new KeyRing(secret())
    const signed = sign(ring, 'value-123')
    expect(unsign(ring, signed)).toBe('value-123')
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'
    for (let i = 0; i < signed.length; i++) {
      for (const c of alphabet) {
        if (c === signed[i]) continue
        const tampered = signed.slice(0, i) + c + signed.slice(i + 1)
        expect(unsign(ring, tampered)).toBeNull()
      }
    }
  })

  it('verifies with every secret of the ring and signs with the first (rotation)', () => {
    const [oldSecret, newSecret] = [secret(), secret()]
    const oldRing = new KeyRing(oldSecret)
    const rotated = new KeyRing([newSecret, oldSecret])
    const retired = new KeyRing(newSecret)
    const signedByOld = sign(oldRing, 'v')
    expect(unsign(rotated, signedByOld)).toBe('v')
    expect(unsign(retired, signedByOld)).toBeNull()
    expect(unsign(retired, sign(rotated, 'v'))).toBe('v')
  })

  it('rejects malformed input without throwing', () => {
    const ring = new KeyRing(secret())
    for (const bad of [
      '',
      '.',
      'novalue',
      '.abc',
      'a.',
      'a.b.c',
      '\u0000.\u0000',
      'x'.repeat(10_000),
    ]) {
      expect(unsign(ring, bad)).toBeNull()
    }
  })
})

describe('estimateEntropyBits', () => {
  it('scores repetition low and randomness high', () => {
    expect(estimateEntropyBits(new Uint8Array(32))).toBe(0)
    expect(estimateEntropyBits(randomBytes(32))).toBeGreaterThan(120)
  })
})
