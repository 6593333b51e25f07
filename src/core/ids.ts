import { createHash, randomBytes } from 'node:crypto'

/** Bytes of CSPRNG output in every session ID and state token. */
export const ID_BYTES = 32

/** base64url of 32 bytes, no padding. */
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/

/** A new session ID: 32 bytes from the CSPRNG, base64url (43 characters). */
export function generateId(): string {
  return randomBytes(ID_BYTES).toString('base64url')
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
  return createHash('sha256').update(id).digest('base64url')
}

const STORE_KEY_PATTERN = /^[A-Za-z0-9_-]{1,128}$/

/** The shape every store accepts as a key. Hashed IDs always match. */
export function isValidStoreKey(key: unknown): key is string {
  return typeof key === 'string' && STORE_KEY_PATTERN.test(key)
}
