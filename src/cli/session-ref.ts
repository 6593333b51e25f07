/**
 * Naming a session on the command line. The store keeps only SHA-256(ID), so a session is
 * named by its handle (the store key that `list` prints and a devices page shows), or by the
 * raw ID a user or a log has, which is hashed here before any lookup.
 * @module
 */

import { storeKeyFor } from '../adapters/express/ids.js'
import { hashId, isValidStoreKey, isWellFormedId } from '../core/ids.js'
import type { KeyedRecord, Store } from '../core/store.js'
import { usageError } from './errors.js'

const MAX_REF_LENGTH = 512

/**
 * The store keys `ref` may stand for, most likely first: the value itself when it has the
 * shape of a key, its hash (a raw ID), the hash of the ID inside a signed cookie value
 * (`<id>.<signature>`), and the key of an express-session ID (`sessionkit/express`, migrated
 * sessions).
 */
export function candidateKeys(ref: string): string[] {
  const value = ref.trim()
  if (value === '' || value.length > MAX_REF_LENGTH) {
    throw usageError('give a session handle (from `sessionkit list`) or a session ID')
  }
  const keys: string[] = []
  if (value.length === 43 && isValidStoreKey(value)) keys.push(value)
  keys.push(hashId(value))
  const dot = value.lastIndexOf('.')
  if (dot > 0 && isWellFormedId(value.slice(0, dot))) keys.push(hashId(value.slice(0, dot)))
  keys.push(storeKeyFor(value))
  return [...new Set(keys)]
}

/** The live session `ref` names, or null. */
export async function findSession(
  store: Store,
  ref: string,
  now: number,
): Promise<KeyedRecord | null> {
  for (const key of candidateKeys(ref)) {
    const record = await store.get(key, now)
    if (record !== null) return { key, record }
  }
  return null
}
