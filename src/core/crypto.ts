import { hkdfSync, timingSafeEqual } from 'node:crypto'
import { InvalidConfigError } from './errors.js'
import { hmacSha256 } from './hmac.js'

/** A secret as given in options: a string (UTF-8) or raw bytes. */
export type Secret = string | Uint8Array

/** The purposes a key is derived for; each gets its own key so one can never stand in for another. */
export type KeyPurpose = 'cookie-signing' | 'sealing' | 'token-hashing'

const MIN_SECRET_BYTES = 32
const GENERATE_HINT =
  "generate one with: node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\""
/** A 32-character random hex string estimates at ~118 bits; "password" repeated at ~88. */
const MIN_ESTIMATED_BITS = 96

/**
 * Per-character Shannon entropy times length. A rough floor, not a proof of randomness: it
 * refuses repeated or dictionary-like secrets; 32 random bytes always pass.
 */
export function estimateEntropyBits(bytes: Uint8Array): number {
  const counts = new Map<number, number>()
  for (const byte of bytes) counts.set(byte, (counts.get(byte) ?? 0) + 1)
  let perSymbol = 0
  for (const count of counts.values()) {
    const p = count / bytes.length
    perSymbol -= p * Math.log2(p)
  }
  return perSymbol * bytes.length
}

function secretBytes(secret: unknown, field: string): Uint8Array {
  if (typeof secret === 'string') return new TextEncoder().encode(secret)
  if (secret instanceof Uint8Array) return secret
  throw new InvalidConfigError(field, 'must be a string or a Uint8Array')
}

/**
 * The key ring built from `secrets`: the first secret signs and seals, every secret verifies
 * and unseals, so a new secret can be put in front while old cookies stay valid. Keys are
 * derived once, with HKDF-SHA256, per secret and per purpose.
 */
export class KeyRing {
  readonly #secrets: readonly Uint8Array[]
  readonly #derived = new Map<KeyPurpose, readonly Buffer[]>()

  constructor(secrets: unknown, field = 'secrets') {
    const list = typeof secrets === 'string' || secrets instanceof Uint8Array ? [secrets] : secrets
    if (!Array.isArray(list) || list.length === 0) {
      throw new InvalidConfigError(
        field,
        `give at least one secret of 32 random bytes or more; ${GENERATE_HINT}`,
      )
    }
    this.#secrets = list.map((secret, index) => {
      const bytes = secretBytes(secret, `${field}[${index}]`)
      if (bytes.length < MIN_SECRET_BYTES) {
        throw new InvalidConfigError(
          `${field}[${index}]`,
          `is ${bytes.length} bytes; secrets must carry at least 32 bytes of entropy; ${GENERATE_HINT}`,
        )
      }
      if (estimateEntropyBits(bytes) < MIN_ESTIMATED_BITS) {
        throw new InvalidConfigError(
          `${field}[${index}]`,
          `looks low in entropy (repeated or predictable characters); ${GENERATE_HINT}`,
        )
      }
      return bytes
    })
  }

  /** Derived keys for `purpose`, newest first. Computed once per purpose. */
  keys(purpose: KeyPurpose): readonly Buffer[] {
    let keys = this.#derived.get(purpose)
    if (!keys) {
      keys = this.#secrets.map((secret) =>
        Buffer.from(hkdfSync('sha256', secret, 'sessionkit', `sessionkit/${purpose}/v1`, 32)),
      )
      this.#derived.set(purpose, keys)
    }
    return keys
  }
}

/** `value.mac` with HMAC-SHA256 under the newest signing key. */
export function sign(ring: KeyRing, value: string): string {
  const [key] = ring.keys('cookie-signing')
  if (!key) throw new InvalidConfigError('secrets', 'the key ring is empty')
  return `${value}.${hmacSha256(key, value, 'base64url')}`
}

/**
 * The value inside a signed string, or null when no key of the ring made the signature.
 * Every key is tried in constant time, so the timing does not tell which one matched.
 */
export function unsign(ring: KeyRing, signed: string): string | null {
  const dot = signed.lastIndexOf('.')
  if (dot <= 0) return null
  const value = signed.slice(0, dot)
  // Compare the text, not decoded bytes: base64url ignores the low bits of the last
  // character, so two different strings can decode to the same MAC.
  const given = Buffer.from(signed.slice(dot + 1))
  let valid = false
  for (const key of ring.keys('cookie-signing')) {
    const expected = Buffer.from(hmacSha256(key, value, 'base64url'))
    if (given.length === expected.length && timingSafeEqual(given, expected)) valid = true
  }
  return valid ? value : null
}
