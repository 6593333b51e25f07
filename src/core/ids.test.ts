import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateId, hashId, ID_BYTES, isValidStoreKey, isWellFormedId } from './ids.js'

describe('generateId', () => {
  it('gives 256 bits from the CSPRNG as 43 canonical base64url characters', () => {
    for (let i = 0; i < 1000; i++) {
      const id = generateId()
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/)
      const bytes = Buffer.from(id, 'base64url')
      expect(bytes.length).toBe(ID_BYTES)
      // Canonical: decoding and encoding again gives the same text, so one ID has one spelling.
      expect(bytes.toString('base64url')).toBe(id)
      expect(isWellFormedId(id)).toBe(true)
    }
  })

  it('never repeats across refills of its entropy pool', () => {
    // 1,000 IDs span several refills of the 128-ID pool: a slice handed out twice, or a pool
    // not refilled, shows as a repeat.
    const ids = new Set(Array.from({ length: 1000 }, () => generateId()))
    expect(ids.size).toBe(1000)
  })

  it('sets every one of the 256 bit positions about half the time', () => {
    // A biased or truncated source (a constant byte, a counter, a short seed padded out) shows
    // as positions far from 1/2. With 20,000 IDs the standard deviation of each frequency is
    // 0.0035, so the 0.02 bound is more than 5 deviations: a sound source never fails it.
    const samples = 20_000
    const ones = new Uint32Array(ID_BYTES * 8)
    for (let i = 0; i < samples; i++) {
      const bytes = Buffer.from(generateId(), 'base64url')
      for (let bit = 0; bit < ones.length; bit++) {
        if (((bytes[bit >> 3] as number) >> (bit & 7)) & 1) ones[bit] = (ones[bit] as number) + 1
      }
    }
    for (const count of ones) expect(Math.abs(count / samples - 0.5)).toBeLessThan(0.02)
  })
})

describe('hashId', () => {
  it('is SHA-256 of the ID, base64url, and a valid store key that is not the ID', () => {
    const id = generateId()
    const key = hashId(id)
    expect(key).toBe(createHash('sha256').update(id).digest('base64url'))
    expect(key).not.toBe(id)
    expect(isValidStoreKey(key)).toBe(true)
    expect(hashId(id)).toBe(key)
    expect(hashId(generateId())).not.toBe(key)
  })
})

describe('isWellFormedId', () => {
  it('refuses every other shape', () => {
    const id = generateId()
    const bad = [
      '',
      id.slice(1),
      `${id}A`,
      `${id.slice(0, 42)}+`,
      `${id.slice(0, 42)}/`,
      `${id.slice(0, 42)}=`,
      `${id.slice(0, 42)} `,
      `${id.slice(0, 42)}\0`,
      `${id.slice(0, 41)}é`,
      `../${id.slice(3)}`,
      Buffer.from(id, 'base64url').toString('base64'),
    ]
    for (const value of bad) {
      if (value === id) continue
      expect(isWellFormedId(value), JSON.stringify(value)).toBe(false)
    }
  })
})
