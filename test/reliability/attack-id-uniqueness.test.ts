/**
 * 10 million IDs from generateId(): no duplicate. Memory-efficient: each ID is decoded into one
 * 320 MB buffer (32 bytes each, no per-ID objects), and a sort key per ID packs its first
 * 40 bits with its index into a BigUint64Array, which sorts natively. Neighbours that share
 * those 40 bits (about 45 pairs are expected by chance among 10 million) are compared on all
 * 32 bytes; any equal pair is a duplicate.
 */
import { expect, it } from 'vitest'
import { generateId, isWellFormedId } from '../../src/core/ids.js'

const COUNT = 10_000_000
const BYTES = 32

it(`${COUNT.toLocaleString('en')} generated IDs are all distinct`, () => {
  const bytes = Buffer.allocUnsafe(COUNT * BYTES)
  const keys = new BigUint64Array(COUNT)
  // Little-endian halves of each key: [low, high]. high = bits 0-31 of the ID, low = bits
  // 32-39 then the 24-bit index (10 million fits in 24 bits).
  const halves = new Uint32Array(keys.buffer)
  for (let i = 0; i < COUNT; i++) {
    const id = generateId()
    const offset = i * BYTES
    if (bytes.write(id, offset, BYTES, 'base64url') !== BYTES || id.length !== 43) {
      throw new Error(`ID ${i} is not 43 base64url characters`)
    }
    halves[2 * i] = (((bytes[offset + 4] ?? 0) << 24) | i) >>> 0
    halves[2 * i + 1] = bytes.readUInt32BE(offset)
    if (i % 100_000 === 0) expect(isWellFormedId(id)).toBe(true)
  }
  keys.sort()
  let prefixPairs = 0
  const duplicates: number[] = []
  for (let k = 1; k < COUNT; k++) {
    const sameHigh = halves[2 * k + 1] === halves[2 * k - 1]
    const lowA = halves[2 * k - 2] ?? 0
    const lowB = halves[2 * k] ?? 0
    if (!sameHigh || lowA >>> 24 !== lowB >>> 24) continue
    prefixPairs++
    const a = (lowA & 0xffffff) * BYTES
    const b = (lowB & 0xffffff) * BYTES
    if (bytes.compare(bytes, a, a + BYTES, b, b + BYTES) === 0) duplicates.push(a / BYTES)
  }
  expect(duplicates).toEqual([])
  // 40-bit prefixes must collide now and then (about 45 pairs); none would mean the check above
  // never ran, and hundreds would mean the IDs are far from uniform.
  expect(prefixPairs).toBeGreaterThan(5)
  expect(prefixPairs).toBeLessThan(200)
}, 180_000)
