import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import type { KeyRing } from './crypto.js'

/**
 * AES-256-GCM seals for data that lives on the client. Format (all base64url):
 *
 *     s1.<key id>.<12-byte IV>.<ciphertext><16-byte tag>
 *
 * The key id names which secret sealed it, so every secret of the ring can unseal while only
 * the first seals (rotation). `context` is bound as additional authenticated data: a seal made
 * for one cookie name or purpose does not open under another.
 */
const VERSION = 's1'
const IV_BYTES = 12
const TAG_BYTES = 16

interface SealKey {
  id: string
  key: Buffer
}

const keyCache = new WeakMap<KeyRing, readonly SealKey[]>()

function sealKeys(ring: KeyRing): readonly SealKey[] {
  let keys = keyCache.get(ring)
  if (!keys) {
    keys = ring.keys('sealing').map((key) => ({
      // A short public fingerprint of the derived key: enough to pick the key, useless to an attacker.
      id: createHash('sha256').update(key).digest('base64url').slice(0, 8),
      key,
    }))
    keyCache.set(ring, keys)
  }
  return keys
}

/** Seals `plaintext` under the ring's first secret, bound to `context`. */
export function seal(ring: KeyRing, plaintext: string, context: string): string {
  const [current] = sealKeys(ring)
  if (!current) throw new Error('sessionkit: the key ring is empty')
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', current.key, iv)
  cipher.setAAD(Buffer.from(context))
  const body = Buffer.concat([
    cipher.update(plaintext, 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ])
  return `${VERSION}.${current.id}.${iv.toString('base64url')}.${body.toString('base64url')}`
}

const SEAL_PATTERN = /^s1\.([A-Za-z0-9_-]{8})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,})$/

/**
 * The plaintext of a seal, or null when it is malformed, tampered with, sealed for another
 * context, or sealed under a secret no longer in the ring. Never throws.
 */
export function unseal(ring: KeyRing, sealed: string, context: string): string | null {
  const match = SEAL_PATTERN.exec(sealed)
  if (!match) return null
  const [, keyId, ivText, bodyText] = match as unknown as [string, string, string, string]
  const entry = sealKeys(ring).find((candidate) => candidate.id === keyId)
  if (!entry) return null
  const iv = Buffer.from(ivText, 'base64url')
  const body = Buffer.from(bodyText, 'base64url')
  // Re-encoding must give back the same text: base64url ignores the low bits of a final
  // character, and a seal is only valid in its one canonical spelling.
  if (iv.toString('base64url') !== ivText || body.toString('base64url') !== bodyText) return null
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES + 1) return null
  try {
    const decipher = createDecipheriv('aes-256-gcm', entry.key, iv)
    decipher.setAAD(Buffer.from(context))
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES))
    const plain = Buffer.concat([
      decipher.update(body.subarray(0, body.length - TAG_BYTES)),
      decipher.final(),
    ])
    return plain.toString('utf8')
  } catch {
    return null
  }
}
