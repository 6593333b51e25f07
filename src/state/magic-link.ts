/**
 * One-time sign-in links sent by email: the token goes in the link, who it signs in stays
 * server-side, and the link works once.
 * @module
 */

import { InvalidConfigError } from '../core/errors.js'
import type { JsonObject } from '../core/store.js'
import type { Duration } from '../core/time.js'
import { localPathOption } from './return-path.js'
import type { StateTokens } from './tokens.js'

/** The purpose magic-link tokens are issued under. */
export const MAGIC_LINK_PURPOSE = 'magic-link'

/** Options of {@link issueMagicLink}: at least one of `email` and `userId`. */
export interface MagicLinkOptions {
  /** The address the link was sent to (to sign in, or to sign up and verify the address). */
  email?: string
  /** The account the link signs in to, when it is already known. */
  userId?: string
  /**
   * How long the link works. Short: it sits in a mailbox.
   * @default '15m'
   */
  ttl?: Duration
  /**
   * Where to go after signing in: a path on this site (checked, so it is never an open redirect).
   * @default null
   */
  redirectTo?: string | null
}

/** What {@link consumeMagicLink} gives back. */
export interface MagicLink {
  email: string | null
  userId: string | null
  redirectTo: string | null
}

function optionalString(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024) {
    throw new InvalidConfigError(field, 'must be a non-empty string of at most 1024 characters')
  }
  return value
}

/**
 * Issues a one-time sign-in token for `email` and/or `userId`. Put it in the link you send;
 * the store keeps only its hash.
 *
 * Mail scanners and chat previews open links by themselves: let the link's GET show a page
 * with a button that POSTs the token, and consume it in the POST, or a scanner will use it up.
 *
 * @throws InvalidConfigError when neither email nor userId is given, or for a bad TTL or
 * redirectTo; StoreUnavailableError when the store fails.
 * @example
 * ```ts
 * const token = await issueMagicLink(tokens, { email: 'ada@example.com', redirectTo: '/inbox' })
 * await sendMail('ada@example.com', `https://app.example/login/magic?token=${token}`)
 * ```
 */
export async function issueMagicLink(
  tokens: StateTokens,
  options: MagicLinkOptions,
): Promise<string> {
  const email = optionalString(options?.email, 'email')
  const userId = optionalString(options?.userId, 'userId')
  if (email === null && userId === null) {
    throw new InvalidConfigError('email', 'give the email address or the userId the link signs in')
  }
  const payload: JsonObject = {
    email,
    userId,
    redirectTo: localPathOption(options.redirectTo, 'redirectTo'),
  }
  return tokens.issue({ purpose: MAGIC_LINK_PURPOSE, ttl: options.ttl ?? '15m', payload })
}

/**
 * Who a magic link signs in, exactly once. Null (never an exception) for an unknown, expired,
 * used or malformed token. Sign the user in with `session.login(userId)`, which gives the
 * session a new ID.
 *
 * @throws StoreUnavailableError / StoreError when the store fails.
 * @example
 * ```ts
 * const link = await consumeMagicLink(tokens, form.get('token'))
 * if (link === null) return new Response('This link has expired or was already used', { status: 400 })
 * ```
 */
export async function consumeMagicLink(
  tokens: StateTokens,
  token: unknown,
): Promise<MagicLink | null> {
  const payload = await tokens.consume<JsonObject>(token, MAGIC_LINK_PURPOSE)
  if (payload === null) return null
  const text = (value: unknown) => (typeof value === 'string' ? value : null)
  return {
    email: text(payload.email),
    userId: text(payload.userId),
    redirectTo: text(payload.redirectTo),
  }
}
