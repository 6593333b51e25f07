/**
 * HMAC-SHA256 (RFC 2104) of a short string, built on node:crypto's one-shot `hash()` where the
 * runtime has it (Node 20.12+, 21.7+), createHmac elsewhere. Every request checks one MAC (the
 * cookie's), and createHmac builds an Hmac object (a stream over a native handle) for each:
 * 1.7–2.4 µs in a loop against about 1 µs for the two one-shot hashes, and over HTTP more
 * (server CPU per read through sessionkit/node went from 28.1 to 25.2 µs, see bench/README.md).
 * The inner and outer key blocks are computed once per key and kept in buffers of their own
 * (never the shared Buffer pool); the result is the same bytes as createHmac's, which the
 * tests check.
 * @module
 */
import * as crypto from 'node:crypto'

type Encoding = 'base64' | 'base64url' | 'hex'
type OneShot = (algorithm: string, data: string | Uint8Array, encoding: Encoding) => string

/**
 * node:crypto's one-shot `hash()` (Node 20.12+, 21.7+), which builds no Hash object per call;
 * undefined on older Node 20 releases. Looked up once, here, for every hash sessionkit takes.
 */
export const oneShotHash: OneShot | undefined = (crypto as { hash?: OneShot }).hash

const BLOCK = 64
const DIGEST = 32
/** Messages up to this many UTF-16 units take the fast path (UTF-8 needs at most 3 bytes each). */
const MAX_FAST_UNITS = 1024
const INNER_BYTES = BLOCK + MAX_FAST_UNITS * 3

/** A key's two padded blocks, each followed by room for what is hashed after it. */
interface Pads {
  /** K ⊕ ipad, then the message. */
  inner: Buffer
  /** K ⊕ opad, then the inner digest. */
  outer: Buffer
}

/** Keys are Buffers the caller keeps (derived keys) or secret strings from options. */
const BY_BUFFER = new WeakMap<Uint8Array, Pads>()
const BY_STRING = new Map<string, Pads>()
/** An app that signs with ever new string keys (a per-request `req.secret`) must not grow it. */
const MAX_STRING_KEYS = 16

function padsOf(key: Uint8Array | string): Pads {
  let pads = typeof key === 'string' ? BY_STRING.get(key) : BY_BUFFER.get(key)
  if (pads !== undefined) return pads
  let bytes: Uint8Array = typeof key === 'string' ? Buffer.from(key, 'utf8') : key
  if (bytes.length > BLOCK) bytes = crypto.createHash('sha256').update(bytes).digest()
  const inner = Buffer.alloc(INNER_BYTES)
  const outer = Buffer.alloc(BLOCK + DIGEST)
  for (let i = 0; i < BLOCK; i++) {
    const byte = bytes[i] ?? 0
    inner[i] = byte ^ 0x36
    outer[i] = byte ^ 0x5c
  }
  pads = { inner, outer }
  if (typeof key === 'string') {
    if (BY_STRING.size >= MAX_STRING_KEYS) BY_STRING.clear()
    BY_STRING.set(key, pads)
  } else {
    BY_BUFFER.set(key, pads)
  }
  return pads
}

/**
 * HMAC-SHA256 of `message` (UTF-8) under `key` (a string is taken as UTF-8, as createHmac
 * takes it), in `encoding`.
 */
export function hmacSha256(key: Uint8Array | string, message: string, encoding: Encoding): string {
  if (oneShotHash === undefined || message.length > MAX_FAST_UNITS) {
    return crypto.createHmac('sha256', key).update(message).digest(encoding)
  }
  const { inner, outer } = padsOf(key)
  const length = inner.write(message, BLOCK, 'utf8')
  // Hex out and back in: a Buffer result costs more than the hash itself.
  outer.write(oneShotHash('sha256', inner.subarray(0, BLOCK + length), 'hex'), BLOCK, 'hex')
  return oneShotHash('sha256', outer, encoding)
}
