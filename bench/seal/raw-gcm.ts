/**
 * The limit: node:crypto AES-256-GCM with one fixed key and nothing else (no key ring, no
 * context, no format checks). JSON in, base64url(IV ‖ ciphertext ‖ tag) out.
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

const IV_BYTES = 12
const TAG_BYTES = 16

/** A sealer bound to one fixed 32-byte key. */
export function rawGcm(key: Buffer): {
  seal: (value: unknown) => string
  unseal: (sealed: string) => unknown
} {
  return {
    seal(value) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const body = cipher.update(JSON.stringify(value), 'utf8')
      return Buffer.concat([iv, body, cipher.final(), cipher.getAuthTag()]).toString('base64url')
    },
    unseal(sealed) {
      const bytes = Buffer.from(sealed, 'base64url')
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES))
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
      const plain = Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
        decipher.final(),
      ])
      return JSON.parse(plain.toString('utf8'))
    },
  }
}
