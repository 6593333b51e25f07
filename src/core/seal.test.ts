import { randomBytes, randomInt } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { KeyRing } from './crypto.js'
import { seal, unseal } from './seal.js'

const secret = () => randomBytes(32).toString('base64url')
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~'

describe('seal / unseal', () => {
  it('round-trips and binds the context', () => {
    const ring = new KeyRing(secret())
    const sealed = seal(ring, '{"a":1}', 'sid')
    expect(unseal(ring, sealed, 'sid')).toBe('{"a":1}')
    expect(unseal(ring, sealed, 'other')).toBeNull()
    expect(seal(ring, '{"a":1}', 'sid')).not.toBe(sealed) // a fresh IV every time
  })

  it('accepts none of 1000 random one-character changes', () => {
    const ring = new KeyRing(secret())
    const sealed = seal(ring, JSON.stringify({ user: 'alice', role: 'admin' }), 'sid')
    let accepted = 0
    for (let n = 0; n < 1000; n++) {
      const at = randomInt(sealed.length)
      let c = sealed[at] as string
      while (c === sealed[at]) c = ALPHABET[randomInt(ALPHABET.length)] as string
      const tampered = sealed.slice(0, at) + c + sealed.slice(at + 1)
      if (unseal(ring, tampered, 'sid') !== null) accepted++
    }
    expect(accepted).toBe(0)
  })

  it('seals with the first secret and unseals with any (rotation)', () => {
    const [oldSecret, newSecret] = [secret(), secret()]
    const sealedOld = seal(new KeyRing(oldSecret), 'x', 'sid')
    expect(unseal(new KeyRing([newSecret, oldSecret]), sealedOld, 'sid')).toBe('x')
    expect(unseal(new KeyRing(newSecret), sealedOld, 'sid')).toBeNull()
    const sealedNew = seal(new KeyRing([newSecret, oldSecret]), 'y', 'sid')
    expect(unseal(new KeyRing(newSecret), sealedNew, 'sid')).toBe('y')
  })

  it('refuses malformed input without throwing', () => {
    const ring = new KeyRing(secret())
    for (const bad of ['', 's1', 's1....', 's1.abcdefgh.AAAAAAAAAAAAAAAA.AAAA', 'x'.repeat(5000)]) {
      expect(unseal(ring, bad, 'sid')).toBeNull()
    }
  })
})
