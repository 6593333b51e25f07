/**
 * Single-use state tokens: a random token handed to the browser (OAuth `state`, a magic link,
 * an email confirmation), its payload kept server-side, given back exactly once.
 * @module
 */

import { createHash } from 'node:crypto'
import {
  CapabilityUnsupportedError,
  InvalidConfigError,
  InvalidSessionDataError,
} from '../core/errors.js'
import { generateId, isWellFormedId } from '../core/ids.js'
import type { JsonValue, Store, TokenRecord } from '../core/store.js'
import { type Clock, type Duration, parseDuration, systemClock } from '../core/time.js'

/**
 * What a token can carry: any JSON value but `null`, which {@link StateTokens.consume} uses to
 * say "refused" and so could not be told apart from a payload.
 */
export type StatePayload = Exclude<JsonValue, null>

/** Options of {@link StateTokens}. */
export interface StateTokensOptions {
  /**
   * Where tokens live. Must declare the `tokens` capability (every built-in server-side store
   * does); the sealed-cookie store cannot, since it has no server side to consume from.
   */
  store: Store
  /**
   * How long a token lives when {@link IssueOptions.ttl} is not given.
   * @default '10m'
   */
  defaultTtl?: Duration
  /**
   * The longest TTL {@link StateTokens.issue} accepts. A cap catches a unit mistake (`'10d'`
   * for `'10m'`) before it leaves a long-lived credential in every email sent.
   * @default '7d'
   */
  maxTtl?: Duration
  /**
   * Where "now" comes from; tests pass a {@link ManualClock}.
   * @default systemClock
   */
  clock?: Clock
}

/** Options of {@link StateTokens.issue}. */
export interface IssueOptions<P extends StatePayload = StatePayload> {
  /**
   * What the token is for, e.g. `'oauth'`, `'magic-link'`. A token only ever consumes under the
   * purpose it was issued for. 1 to 128 printable ASCII characters.
   */
  purpose: string
  /**
   * How long the token can be consumed.
   * @default the `defaultTtl` option ('10m')
   */
  ttl?: Duration
  /**
   * What {@link StateTokens.consume} gives back. Stored as JSON (a copy: a Date comes back as
   * its ISO string).
   * @default {}
   */
  payload?: P
}

type TokenStore = Store & Required<Pick<Store, 'putToken' | 'consumeToken'>>

/** The stored value: the purpose travels with the payload so a consume can check it again. */
interface Envelope {
  purpose: string
  payload: StatePayload
}

const PURPOSE_PATTERN = /^[\x21-\x7e]{1,128}$/

/** Domain separation: a token's store key can never equal a session's (SHA-256 of its ID). */
const KEY_CONTEXT = 'sessionkit/state-token/v1'

function isPurpose(value: unknown): value is string {
  return typeof value === 'string' && PURPOSE_PATTERN.test(value)
}

/**
 * The store key of a token: SHA-256 over the purpose and the token. The store never sees the
 * token itself, and a token presented under another purpose looks up a key that does not exist.
 */
function tokenKey(purpose: string, token: string): string {
  return createHash('sha256')
    .update(`${KEY_CONTEXT}\u0000${purpose}\u0000${token}`)
    .digest('base64url')
}

/** A detached JSON copy of `payload`, refusing what JSON would silently change or drop. */
function copyPayload(payload: unknown): StatePayload {
  if (payload === null) {
    throw new InvalidSessionDataError(
      'payload',
      'null cannot be told apart from a refused token; pass an object instead',
    )
  }
  let json: string | undefined
  try {
    json = JSON.stringify(payload)
  } catch (error) {
    throw new InvalidSessionDataError('payload', `cannot be serialized to JSON (${String(error)})`)
  }
  if (json === undefined) {
    throw new InvalidSessionDataError(
      'payload',
      'functions, symbols and undefined cannot be stored',
    )
  }
  const copy = JSON.parse(json) as JsonValue
  // NaN and Infinity turn into null on the way through JSON.
  if (copy === null) throw new InvalidSessionDataError('payload', 'is null once stored as JSON')
  return copy
}

function isEnvelope(value: JsonValue | null): value is JsonValue & Envelope {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof value.purpose === 'string' &&
    Object.hasOwn(value, 'payload') &&
    value.payload !== null
  )
}

/**
 * Issues and consumes single-use tokens. A token is 32 bytes from the CSPRNG, base64url (43
 * characters); the store keeps only its SHA-256 (with the purpose) and the payload. A consume
 * is one atomic step in the store (Redis GETDEL, `DELETE … RETURNING`, a transaction with
 * `SELECT … FOR UPDATE`, a file rename), so of any number of concurrent consumers of one token,
 * across processes and servers, exactly one gets the payload.
 *
 * The store is shared, not owned: closing it is the caller's job.
 *
 * @example
 * ```ts
 * const tokens = new StateTokens({ store: openStore('redis://127.0.0.1:6379') })
 * const state = await tokens.issue({ purpose: 'oauth', ttl: '10m', payload: { returnTo: '/' } })
 * await tokens.consume<{ returnTo: string }>(state, 'oauth') // { returnTo: '/' }
 * await tokens.consume(state, 'oauth')                       // null, and every time after
 * ```
 */
export class StateTokens {
  readonly #store: TokenStore
  readonly #defaultTtl: number
  readonly #maxTtl: number
  readonly #clock: Clock

  /**
   * @throws InvalidConfigError for a missing store or a malformed duration;
   * CapabilityUnsupportedError when the store does not declare `tokens`.
   */
  constructor(options: StateTokensOptions) {
    const store: unknown = options?.store
    if (typeof store !== 'object' || store === null) {
      throw new InvalidConfigError(
        'store',
        'give a store, e.g. openStore("sqlite:./data/sessions.db")',
      )
    }
    const candidate = store as Store
    if (
      candidate.capabilities?.tokens !== true ||
      typeof candidate.putToken !== 'function' ||
      typeof candidate.consumeToken !== 'function'
    ) {
      throw new CapabilityUnsupportedError(
        String(candidate.name),
        'single-use state tokens (putToken/consumeToken)',
      )
    }
    this.#store = candidate as TokenStore
    this.#maxTtl = positiveDuration(options.maxTtl ?? '7d', 'maxTtl')
    this.#defaultTtl = positiveDuration(options.defaultTtl ?? '10m', 'defaultTtl')
    if (this.#defaultTtl > this.#maxTtl) {
      throw new InvalidConfigError('defaultTtl', 'must not be longer than maxTtl')
    }
    this.#clock = options.clock ?? systemClock
  }

  /**
   * Stores `payload` under a new token and returns the token. Put the token where the browser
   * carries it back (a URL, a form); it is a bearer credential until consumed or expired.
   *
   * @throws InvalidConfigError for a malformed purpose or a TTL that is not positive or is over
   * `maxTtl`; InvalidSessionDataError for a payload JSON cannot carry (or `null`);
   * StoreUnavailableError / StoreError when the store fails.
   * @example
   * ```ts
   * const token = await tokens.issue({ purpose: 'email-confirm', ttl: '1d', payload: { userId } })
   * ```
   */
  async issue<P extends StatePayload>(options: IssueOptions<P>): Promise<string> {
    const purpose: unknown = options?.purpose
    if (!isPurpose(purpose)) {
      throw new InvalidConfigError(
        'purpose',
        'must be 1 to 128 printable ASCII characters, no spaces',
      )
    }
    const ttl = options.ttl === undefined ? this.#defaultTtl : positiveDuration(options.ttl, 'ttl')
    if (ttl > this.#maxTtl) {
      throw new InvalidConfigError('ttl', `is over maxTtl (${this.#maxTtl} ms)`)
    }
    const envelope: Envelope = {
      purpose,
      payload: copyPayload(options.payload === undefined ? {} : options.payload),
    }
    const token = generateId()
    const record: TokenRecord = { value: { ...envelope }, expiresAt: this.#clock.now() + ttl }
    await this.#store.putToken(tokenKey(purpose, token), record)
    return token
  }

  /**
   * The payload of `token` if it was issued for `purpose`, is unexpired and was not consumed
   * before; the token is gone afterwards. Anything else (unknown, expired, already consumed,
   * another purpose, malformed, not a string) gives null, never an exception: bad input from a
   * request is not an error. A token presented under the wrong purpose is not consumed by that
   * attempt and still works under its own purpose.
   *
   * The type argument is a promise the caller makes, not a check: validate payloads that came
   * from an older version of your code.
   *
   * @throws StoreUnavailableError / StoreError when the store fails: that is a system failure,
   * not a refused token, and must not be treated as one.
   * @example
   * ```ts
   * const payload = await tokens.consume<{ userId: string }>(url.searchParams.get('token'), 'email-confirm')
   * if (payload === null) return new Response('This link has expired or was already used', { status: 400 })
   * ```
   */
  async consume<P extends StatePayload = StatePayload>(
    token: unknown,
    purpose: string,
  ): Promise<P | null> {
    if (typeof token !== 'string' || !isWellFormedId(token) || !isPurpose(purpose)) return null
    const value = await this.#store.consumeToken(tokenKey(purpose, token), this.#clock.now())
    // The key already binds the purpose; checking the stored one too means a store that mixed
    // up keys still cannot hand a payload to the wrong flow.
    if (!isEnvelope(value) || value.purpose !== purpose) return null
    return value.payload as P
  }
}

function positiveDuration(value: unknown, field: string): number {
  const ms = parseDuration(value, field)
  if (ms <= 0) throw new InvalidConfigError(field, 'must be longer than 0')
  return ms
}
