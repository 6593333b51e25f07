import { createHash, randomFillSync } from 'node:crypto'
import { oneShotHash } from './hmac.js'

/** Bytes of CSPRNG output in every session ID and state token. */
export const ID_BYTES = 32

/** base64url of 32 bytes, no padding. */
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/

/**
 * CSPRNG output for the next IDs, refilled 128 IDs at a time (as Node's own randomUUID does):
 * one call into the CSPRNG per ID costs several microseconds, a slice of the pool a fraction
 * of one. Each slice is used once and zeroed as it is taken.
 */
const POOL_IDS = 128
const pool = Buffer.alloc(ID_BYTES * POOL_IDS)
let nextInPool = POOL_IDS

/** A new session ID: 32 bytes from the CSPRNG, base64url (43 characters). */
export function generateId(): string {
  if (nextInPool === POOL_IDS) {
    randomFillSync(pool)
    nextInPool = 0
  }
  const start = nextInPool++ * ID_BYTES
  const id = pool.toString('base64url', start, start + ID_BYTES)
  pool.fill(0, start, start + ID_BYTES)
  return id
}

/** True when `value` has the exact shape of an ID we issue; anything else never reaches a store. */
export function isWellFormedId(value: string): boolean {
  return ID_PATTERN.test(value)
}

/**
 * The store key for an ID: SHA-256, base64url. Stores only ever see this, so a copy of the
 * store does not hand anyone a usable session.
 */
export function hashId(id: string): string {
  // The one-shot hash costs a third of createHash's, which builds a Hash object per call.
  return oneShotHash === undefined
    ? createHash('sha256').update(id).digest('base64url')
    : oneShotHash('sha256', id, 'base64url')
}

const STORE_KEY_PATTERN = /^[A-Za-z0-9_-]{1,128}$/

/** The shape every store accepts as a key. Hashed IDs always match. */
export function isValidStoreKey(key: unknown): key is string {
  return typeof key === 'string' && STORE_KEY_PATTERN.test(key)
}
