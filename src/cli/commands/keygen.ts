/**
 * `sessionkit keygen [--bytes N] [--json]`: a secret for `secrets` / SESSIONKIT_SECRETS.
 * @module
 */

import { randomBytes } from 'node:crypto'
import { EXIT, type ExitCode } from '../errors.js'
import { MIN_SECRET_BYTES } from '../limits.js'
import { type CliIo, toJson } from '../output.js'

/** `bytes` bytes from the CSPRNG, base64url (32 bytes give 43 characters). */
export function generateSecret(bytes = MIN_SECRET_BYTES): string {
  return randomBytes(bytes).toString('base64url')
}

export function keygenCommand(io: CliIo, options: { bytes?: number; json?: boolean }): ExitCode {
  const bytes = options.bytes ?? MIN_SECRET_BYTES
  const secret = generateSecret(bytes)
  io.out(options.json ? toJson({ secret, bytes, encoding: 'base64url' }) : secret)
  return EXIT.ok
}
