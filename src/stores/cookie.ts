/**
 * The sealed cookie store: the whole session lives in the browser, sealed with AES-256-GCM.
 * @module
 */
import { createHash } from 'node:crypto'
import { InvalidConfigError, SessionStateError } from '../core/errors.js'
import type { SessionRecord, Store, StoreCapabilities } from '../core/store.js'
import { type Duration, parseDuration } from '../core/time.js'

/** Options of {@link CookieStore}. */
export interface CookieStoreOptions {
  /**
   * The most cookies one session may be split over (each under 4096 bytes with its attributes).
   * Past it, commit fails with CookieTooLargeError rather than send cookies a browser drops.
   * Mind the server's own limit too: Node.js refuses requests with more than 16 KB of headers
   * by default (`--max-http-header-size`).
   * @default 4
   */
  maxChunks?: number
  /**
   * A server store that keeps one generation number per user, so that
   * `revokeUserSessions(userId)` ("sign out everywhere") works for sealed cookies: each cookie
   * carries its user's generation, and a cookie older than the current one is refused.
   * Costs one lookup per authenticated request, cached for `revocationCacheTtl`.
   * @default null (no server-side revocation)
   */
  revocations?: Store | null
  /**
   * How long a user's generation is cached per process. A revocation made in this process is
   * seen at once; one made by another process within this long.
   * @default '5s'
   */
  revocationCacheTtl?: Duration
}

const NO_CAPABILITIES: StoreCapabilities = Object.freeze({
  byUser: false,
  cleanup: false,
  iterate: false,
  tokens: false,
})

/**
 * Keeps the session in the cookie itself. Nothing is stored on the server (except, with
 * `revocations`, one generation number per user), so it scales without a database, at the
 * cost of what a server cannot do for data it does not hold: it cannot list a user's sessions,
 * revoke one session, or merge concurrent writes (the last response's cookie wins).
 *
 * The manager derives the sealing keys from its own `secrets`.
 *
 * @example
 * new SessionManager({ store: new CookieStore(), secrets: [process.env.SESSION_SECRET!] })
 * new SessionManager({ store: openStore('cookie:'), secrets })
 */
export class CookieStore implements Store {
  /** Tells the manager to keep sessions in the cookie instead of calling the store. */
  readonly kind = 'sealed-cookie' as const
  readonly name = 'cookie'
  readonly capabilities = NO_CAPABILITIES
  readonly maxChunks: number
  readonly revocations: Store | null
  readonly #cacheTtl: number
  readonly #cache = new Map<string, { generation: number; fetchedAt: number }>()

  constructor(options: CookieStoreOptions = {}) {
    const maxChunks = options.maxChunks ?? 4
    if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > 20) {
      throw new InvalidConfigError('maxChunks', 'must be a whole number from 1 to 20')
    }
    const revocations = options.revocations ?? null
    if (revocations !== null && typeof revocations?.get !== 'function') {
      throw new InvalidConfigError('revocations', 'must be a server-side store, or null')
    }
    this.maxChunks = maxChunks
    this.revocations = revocations
    this.#cacheTtl = parseDuration(options.revocationCacheTtl ?? '5s', 'revocationCacheTtl')
  }

  /** The user's current generation (0 before any revocation). Cached for `revocationCacheTtl`. */
  async generation(userId: string, now: number): Promise<number> {
    if (this.revocations === null) return 0
    const cached = this.#cache.get(userId)
    if (cached && now - cached.fetchedAt < this.#cacheTtl) return cached.generation
    const record = await this.revocations.get(generationKey(userId), now)
    const generation = typeof record?.data.generation === 'number' ? record.data.generation : 0
    this.#remember(userId, generation, now)
    return generation
  }

  /**
   * Moves the user's generation forward, so every cookie issued before is refused. The record
   * lives `keepFor` (the session lifetime): by then every older cookie has expired anyway.
   */
  async revoke(userId: string, now: number, keepFor: number): Promise<number> {
    if (this.revocations === null) throw new SessionStateError('no revocations store')
    const key = generationKey(userId)
    const record = await this.revocations.get(key, now)
    const current = typeof record?.data.generation === 'number' ? record.data.generation : 0
    const next = current + 1
    const stored: SessionRecord = {
      data: { generation: next },
      userId: null,
      tenantId: null,
      ip: null,
      userAgent: null,
      createdAt: now,
      updatedAt: now,
      lastSeenAt: now,
      expiresAt: now + keepFor,
    }
    // Two concurrent revocations may both write current + 1: both still refuse every older cookie.
    await this.revocations.set(key, stored)
    this.#remember(userId, next, now)
    return next
  }

  #remember(userId: string, generation: number, now: number): void {
    this.#cache.delete(userId)
    this.#cache.set(userId, { generation, fetchedAt: now })
    // Bounded: the oldest entries go first (Map keeps insertion order).
    for (const oldest of this.#cache.keys()) {
      if (this.#cache.size <= 10_000) break
      this.#cache.delete(oldest)
    }
  }

  // The manager never calls the record methods of a sealed store; they exist to satisfy the
  // Store shape and fail loudly if something else calls them.
  async get(): Promise<SessionRecord | null> {
    throw notServerSide('get')
  }
  async set(): Promise<void> {
    throw notServerSide('set')
  }
  async patch(): Promise<boolean> {
    throw notServerSide('patch')
  }
  async touch(): Promise<boolean> {
    throw notServerSide('touch')
  }
  async destroy(): Promise<void> {
    throw notServerSide('destroy')
  }

  /** Closes the revocations store, if any. */
  async close(): Promise<void> {
    await this.revocations?.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

function notServerSide(method: string): SessionStateError {
  return new SessionStateError(
    `the cookie store keeps sessions in the cookie; ${method}() is not available (use a SessionManager)`,
  )
}

function generationKey(userId: string): string {
  return createHash('sha256').update(`sessionkit:generation:${userId}`).digest('base64url')
}

/** True for a store that keeps sessions in the cookie. */
export function isCookieStore(store: unknown): store is CookieStore {
  return (
    typeof store === 'object' &&
    store !== null &&
    (store as { kind?: unknown }).kind === 'sealed-cookie'
  )
}
