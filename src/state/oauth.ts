/**
 * OAuth 2.0 / OpenID Connect login state: the `state` parameter and a PKCE (RFC 7636) pair,
 * kept server-side in a {@link StateTokens} store and given back once at the callback.
 * @module
 */

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { InvalidConfigError } from '../core/errors.js'
import { isJsonObject } from '../core/json.js'
import type { JsonObject, JsonValue } from '../core/store.js'
import type { Duration } from '../core/time.js'
import { localPathOption } from './return-path.js'
import type { StateTokens } from './tokens.js'

/** Options of {@link createOAuthState}. */
export interface CreateOAuthStateOptions {
  /**
   * Ties the state to the browser that starts the flow, usually `session.id` (make sure that
   * session is committed, so its cookie comes back at the callback). Without it, an attacker
   * could start a flow, keep the state, and have a victim's browser finish it: the victim would
   * be signed in to the attacker's account (login CSRF). Only its SHA-256 is stored. Pass
   * `null` explicitly to opt out, e.g. for a native app whose own process does the callback.
   */
  binding: string | null
  /**
   * Tells flows for different providers apart: a state issued for `'github'` does not consume
   * as a `'google'` state, which closes the door on mix-up attacks between providers.
   * 1 to 64 characters of [A-Za-z0-9._-].
   * @default 'default'
   */
  provider?: string
  /**
   * Where to send the user after login: a path on this site (checked, so it can never become
   * an open redirect).
   * @default null
   */
  returnTo?: string | null
  /**
   * How long the user has to finish the login at the provider.
   * @default the StateTokens `defaultTtl` ('10m')
   */
  ttl?: Duration
  /**
   * Anything else the callback needs (an OIDC nonce, the scopes asked for). Stored as JSON.
   * @default {}
   */
  extra?: JsonObject
}

/** What {@link createOAuthState} returns: the values for the authorization request. */
export interface OAuthAuthorization {
  /** The `state` query parameter. */
  state: string
  /** Keep server-side only: sent with the token request, never to the browser. */
  codeVerifier: string
  /** The `code_challenge` query parameter: BASE64URL(SHA-256(codeVerifier)). */
  codeChallenge: string
  /** The `code_challenge_method` query parameter. */
  codeChallengeMethod: 'S256'
}

/** Options of {@link consumeOAuthState}. */
export interface ConsumeOAuthStateOptions {
  /** The same value given to {@link createOAuthState} (usually `session.id`), or null. */
  binding: string | null
  /** @default 'default' */
  provider?: string
}

/** What {@link consumeOAuthState} gives back at the callback. */
export interface OAuthCallbackState {
  /** Send it as `code_verifier` in the token request. */
  codeVerifier: string
  returnTo: string | null
  extra: JsonObject
}

const PROVIDER_PATTERN = /^[A-Za-z0-9._-]{1,64}$/
const BINDING_CONTEXT = 'sessionkit/oauth-binding/v1'

/** The purpose under which OAuth states of `provider` are issued. */
function purposeOf(provider: unknown): string | null {
  const name = provider ?? 'default'
  return typeof name === 'string' && PROVIDER_PATTERN.test(name) ? `oauth:${name}` : null
}

function bindingHash(binding: string | null): string | null {
  if (binding === null) return null
  return createHash('sha256').update(`${BINDING_CONTEXT}\u0000${binding}`).digest('base64url')
}

/**
 * The PKCE S256 code challenge of a verifier: BASE64URL(SHA-256(ASCII(verifier))), RFC 7636
 * section 4.2.
 * @example
 * ```ts
 * pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk') // 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
 * ```
 */
export function pkceChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url')
}

/**
 * Starts an authorization-code flow: a single-use `state` holding a fresh PKCE verifier (32
 * CSPRNG bytes, base64url: 43 characters, the length RFC 7636 recommends), the return path and
 * `extra`. Put `state`, `codeChallenge` and `codeChallengeMethod` in the authorization URL.
 *
 * @throws InvalidConfigError for a malformed provider, binding or returnTo, or a bad TTL;
 * InvalidSessionDataError when `extra` is not JSON; StoreUnavailableError when the store fails.
 * @example
 * ```ts
 * const auth = await createOAuthState(tokens, { binding: session.id, provider: 'github', returnTo: '/settings' })
 * const url = new URL('https://github.com/login/oauth/authorize')
 * url.search = new URLSearchParams({ client_id, redirect_uri, response_type: 'code', state: auth.state,
 *   code_challenge: auth.codeChallenge, code_challenge_method: auth.codeChallengeMethod }).toString()
 * ```
 */
export async function createOAuthState(
  tokens: StateTokens,
  options: CreateOAuthStateOptions,
): Promise<OAuthAuthorization> {
  const purpose = purposeOf(options?.provider)
  if (purpose === null) {
    throw new InvalidConfigError('provider', 'must be 1 to 64 characters of [A-Za-z0-9._-]')
  }
  const binding: unknown = options.binding
  if (binding !== null && (typeof binding !== 'string' || binding.length === 0)) {
    throw new InvalidConfigError(
      'binding',
      'give the value that identifies this browser at the callback (e.g. session.id), or null to opt out',
    )
  }
  const returnTo = localPathOption(options.returnTo, 'returnTo')
  const codeVerifier = randomBytes(32).toString('base64url')
  const payload: JsonObject = {
    codeVerifier,
    binding: bindingHash(binding),
    returnTo,
    extra: options.extra ?? {},
  }
  const state = await tokens.issue({
    purpose,
    payload,
    ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
  })
  return {
    state,
    codeVerifier,
    codeChallenge: pkceChallenge(codeVerifier),
    codeChallengeMethod: 'S256',
  }
}

/**
 * Finishes the flow at the callback: the verifier, return path and extra of `state`, exactly
 * once. Null (never an exception) for an unknown, expired, reused or malformed state, one of
 * another provider, or one bound to another browser; then do not exchange the code. A state
 * refused for its binding is still used up, so a leaked state cannot be retried.
 *
 * @throws StoreUnavailableError / StoreError when the store fails.
 * @example
 * ```ts
 * const flow = await consumeOAuthState(tokens, url.searchParams.get('state'), { binding: session.id, provider: 'github' })
 * if (flow === null) return new Response('Login expired, please try again', { status: 400 })
 * // exchange url.searchParams.get('code') with code_verifier: flow.codeVerifier
 * ```
 */
export async function consumeOAuthState(
  tokens: StateTokens,
  state: unknown,
  options: ConsumeOAuthStateOptions,
): Promise<OAuthCallbackState | null> {
  const purpose = purposeOf(options?.provider)
  const binding: unknown = options?.binding
  if (purpose === null || (binding !== null && typeof binding !== 'string')) return null
  const payload = await tokens.consume<JsonObject>(state, purpose)
  if (payload === null || typeof payload.codeVerifier !== 'string') return null
  if (!sameBinding(payload.binding, bindingHash(binding))) return null
  return {
    codeVerifier: payload.codeVerifier,
    returnTo: typeof payload.returnTo === 'string' ? payload.returnTo : null,
    extra: isJsonObject(payload.extra) ? payload.extra : {},
  }
}

function sameBinding(stored: JsonValue | undefined, given: string | null): boolean {
  if (stored === null || given === null) return stored === null && given === null
  if (typeof stored !== 'string') return false
  const a = Buffer.from(stored)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}
