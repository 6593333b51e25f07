/**
 * Counts AES-GCM decryptions without changing what they do: node:crypto's createDecipheriv is
 * replaced by a wrapper that counts and calls the real function, and syncBuiltinESMExports()
 * pushes the wrapper into the ESM named bindings src/core/seal.ts imports. Nothing about the
 * cipher is faked; only the number of times work was started is observed.
 */
import crypto from 'node:crypto'
import { syncBuiltinESMExports } from 'node:module'

/** Runs `work` and returns how many deciphers it created. */
export async function countDecryptions(work: () => Promise<void>): Promise<number> {
  const real = crypto.createDecipheriv
  let count = 0
  crypto.createDecipheriv = ((...args: Parameters<typeof real>) => {
    count++
    return real(...args)
  }) as typeof real
  syncBuiltinESMExports()
  try {
    await work()
  } finally {
    crypto.createDecipheriv = real
    syncBuiltinESMExports()
  }
  return count
}
