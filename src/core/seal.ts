import { createCipheriv, createDecipheriv, createHash, randomFillSync } from 'node:crypto'
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
const DOT = 0x2e

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

/**
 * IVs are cut from a pool filled by the CSPRNG in one call, rather than a randomBytes(12) call
 * (and its Buffer) per seal, which was an eighth of the cost of sealing a small session. Each
 * slice is used once, so every IV is as random and as unique as randomBytes would make it.
 */
const IV_POOL_BYTES = IV_BYTES * 256
const ivPool = Buffer.allocUnsafe(IV_POOL_BYTES)
let ivOffset = IV_POOL_BYTES

function nextIv(): Buffer {
  if (ivOffset === IV_POOL_BYTES) {
    randomFillSync(ivPool)
    ivOffset = 0
  }
  const iv = ivPool.subarray(ivOffset, ivOffset + IV_BYTES)
  ivOffset += IV_BYTES
  return iv
}

/**
 * The context as bytes for the AAD. Contexts are a handful of cookie names and purposes, so a
 * small cache saves a Buffer per call; past its size it stops growing rather than evicting.
 */
const CONTEXT_CACHE_SIZE = 64
const contextBytes = new Map<string, Buffer>()

function aad(context: string): Buffer {
  let bytes = contextBytes.get(context)
  if (bytes === undefined) {
    bytes = Buffer.from(context)
    if (contextBytes.size < CONTEXT_CACHE_SIZE) contextBytes.set(context, bytes)
  }
  return bytes
}

/** Seals `plaintext` under the ring's first secret, bound to `context`. */
export function seal(ring: KeyRing, plaintext: string, context: string): string {
  const [current] = sealKeys(ring)
  if (!current) throw new Error('sessionkit: the key ring is empty')
  const iv = nextIv()
  const cipher = createCipheriv('aes-256-gcm', current.key, iv)
  cipher.setAAD(aad(context))
  const body = Buffer.concat([
    cipher.update(plaintext, 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ])
  return `${VERSION}.${current.id}.${iv.toString('base64url')}.${body.toString('base64url')}`
}

/** Where the parts of `s1.<8-char key id>.<16-char IV>.<body>` start. */
const KEY_ID_AT = VERSION.length + 1
const KEY_ID_LENGTH = 8
const IV_AT = KEY_ID_AT + KEY_ID_LENGTH + 1
const IV_TEXT_LENGTH = 16
const BODY_AT = IV_AT + IV_TEXT_LENGTH + 1
/** The shortest body: one byte of ciphertext and the tag, base64url. */
const MIN_BODY_TEXT = 22

/**
 * The plaintext of a seal, or null when it is malformed, tampered with, sealed for another
 * context, or sealed under a secret no longer in the ring. Never throws.
 *
 * The layout is checked by position rather than a regular expression (which cost an eighth
 * of an unseal on a 3 KB seal): the key id must equal one of the ring's (all base64url), and
 * the IV and body must re-encode to exactly their text, which refuses any character outside
 * the base64url alphabet as well as non-canonical spellings.
 */
export function unseal(ring: KeyRing, sealed: string, context: string): string | null {
  if (
    typeof sealed !== 'string' ||
    sealed.length < BODY_AT + MIN_BODY_TEXT ||
    !sealed.startsWith(VERSION) ||
    sealed.charCodeAt(KEY_ID_AT - 1) !== DOT ||
    sealed.charCodeAt(IV_AT - 1) !== DOT ||
    sealed.charCodeAt(BODY_AT - 1) !== DOT
  ) {
    return null
  }
  const keyId = sealed.slice(KEY_ID_AT, KEY_ID_AT + KEY_ID_LENGTH)
  const entry = sealKeys(ring).find((candidate) => candidate.id === keyId)
  if (!entry) return null
  const ivText = sealed.slice(IV_AT, IV_AT + IV_TEXT_LENGTH)
  const bodyText = sealed.slice(BODY_AT)
  const iv = Buffer.from(ivText, 'base64url')
  const body = Buffer.from(bodyText, 'base64url')
  // Re-encoding must give back the same text: base64url ignores the low bits of a final
  // character (and Node's decoder skips foreign characters and accepts + and /), and a seal
  // is only valid in its one canonical spelling.
  if (iv.toString('base64url') !== ivText || body.toString('base64url') !== bodyText) return null
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES + 1) return null
  try {
    const decipher = createDecipheriv('aes-256-gcm', entry.key, iv)
    decipher.setAAD(aad(context))
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES))
    const plain = decipher.update(body.subarray(0, body.length - TAG_BYTES))
    // final() checks the tag; GCM has no block left over, so it adds no bytes.
    decipher.final()
    return plain.toString('utf8')
  } catch {
    return null
  }
}
