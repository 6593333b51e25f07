/**
 * The manager's load, commit and revoke for sessions that live in the cookie (a store with
 * `kind: 'sealed-cookie'`). The server-side flow is in manager.ts; the policy both share is in
 * policy.ts.
 * @module
 */
import { CapabilityUnsupportedError, InvalidSessionDataError } from './errors.js'
import type { SessionEvents } from './events.js'
import { hashId } from './ids.js'
import type { ResolvedManagerOptions } from './options.js'
import { callStore, isPastDeadline, isTouchDue, recordOf, sessionDeadline } from './policy.js'
import {
  clearChunks,
  readSealedCookies,
  type SealedCookieBackend,
  sealedCookieLines,
  sealPayload,
  unsealPayload,
} from './sealed.js'
import {
  dataOf,
  diffSnapshots,
  loadedState,
  markCommitted,
  type SessionState,
  stateOf,
} from './session.js'
import type { SessionMeta, SessionRecord } from './store.js'

/** What the sealed flow needs from its manager. */
export interface SealedHost<S> {
  readonly options: ResolvedManagerOptions
  readonly sealed: SealedCookieBackend
  /** A fresh, empty session (new ID). */
  fresh(now: number, meta: Pick<SessionMeta, 'ip' | 'userAgent'>, hadToken: boolean): S
  /** A session object around a loaded state. */
  adopt(state: SessionState): S
  emit<E extends keyof SessionEvents>(name: E, event: SessionEvents[E]): void
}

/** load() for sessions that live in the cookie. */
export async function loadSealed<S extends object>(
  host: SealedHost<S>,
  cookieHeader: string | null | undefined,
  now: number,
  meta: Pick<SessionMeta, 'ip' | 'userAgent'>,
): Promise<S> {
  const { options, sealed } = host
  const name = options.cookie.name
  const cookies = readSealedCookies(cookieHeader, name, sealed.maxChunks)
  const fresh = (hadToken: boolean) => {
    const session = host.fresh(now, meta, hadToken)
    stateOf(session).sealedChunks = cookies.chunks
    return session
  }
  if (cookies.value === null) return fresh(cookies.chunks > 0)
  const payload = unsealPayload(options.keys, name, cookies.value)
  if (payload === null) return fresh(true)
  const { record } = payload
  const key = hashId(payload.id)
  if (isPastDeadline(options, record, now)) {
    host.emit('expired', { key, userId: record.userId })
    return fresh(true)
  }
  const userId = record.userId
  if (sealed.revocations !== null && userId !== null) {
    let current: number
    try {
      current = await callStore(sealed.name, 'generation', () => sealed.generation(userId, now))
    } catch (error) {
      if (!options.failOpen) throw error
      host.emit('error', { error, operation: 'load' })
      const degraded = fresh(false)
      stateOf(degraded).degraded = true
      return degraded
    }
    if ((payload.generation ?? 0) < current) return fresh(true)
  }
  const state = loadedState(payload.id, key, record)
  state.sealedChunks = cookies.chunks
  state.generation = payload.generation
  return host.adopt(state)
}

/**
 * commit() for sessions that live in the cookie: re-seal the whole session when anything
 * changed (or the idle deadline is due to move), clear stale chunks, and clear every chunk of
 * a destroyed session.
 */
export function commitSealed<S>(
  host: SealedHost<S>,
  state: SessionState,
  current: Map<string, string>,
  now: number,
): string[] {
  const { options, sealed } = host
  const cookie = options.cookie
  const hasContent = current.size > 0 || state.meta.userId !== null
  if (state.isNew && !hasContent && (options.lazy || state.cleared)) {
    const stale = state.hadToken || state.cleared || state.sealedChunks > 0
    const lines = stale ? clearChunks(cookie, 0, Math.max(1, state.sealedChunks)) : []
    state.sealedChunks = 0
    return lines
  }
  const changes = diffSnapshots(state.snapshot, current)
  const changed =
    state.isNew ||
    state.cookiePending ||
    changes.removed.length > 0 ||
    Object.keys(changes.set).length > 0 ||
    isTouchDue(options, state, now)
  if (!changed) return []
  const expiresAt = sessionDeadline(options, state.createdAt, now)
  const record: SessionRecord = {
    ...recordOf(state),
    data: dataOf(current),
    updatedAt: now,
    lastSeenAt: now,
    expiresAt,
  }
  const value = sealPayload(options.keys, cookie.name, {
    id: state.id,
    record,
    generation: state.generation,
  })
  const { lines, chunks } = sealedCookieLines(
    cookie,
    value,
    expiresAt,
    state.sealedChunks,
    sealed.maxChunks,
  )
  const created = state.isNew
  Object.assign(state, { updatedAt: now, lastSeenAt: now, expiresAt, sealedChunks: chunks })
  Object.assign(state, { cookiePending: false, touchPending: false, cleared: false })
  markCommitted(state, current)
  if (created) host.emit('created', { key: state.key, userId: state.meta.userId })
  return lines
}

/**
 * Sealed cookies cannot be deleted server-side, so "revoke" moves the user's generation
 * forward: every cookie issued before is refused from then on. `except` keeps one session by
 * stamping it with the new generation (it is re-sealed at its next commit). The number of
 * cookies this invalidates is unknown to the server; resolves to 0.
 */
export async function revokeSealed<S extends object>(
  host: SealedHost<S>,
  userId: string,
  except: S | string | undefined,
): Promise<number> {
  const { options, sealed } = host
  if (sealed.revocations === null) {
    throw new CapabilityUnsupportedError(
      'cookie',
      'revoking sessions (give the cookie store a `revocations` server store)',
    )
  }
  if (typeof except === 'string') {
    throw new InvalidSessionDataError('except', 'with the cookie store, pass the Session itself')
  }
  const now = options.clock.now()
  const generation = await callStore(sealed.name, 'revoke', () =>
    sealed.revoke(userId, now, options.lifetime),
  )
  if (except !== undefined) {
    const state = stateOf(except)
    if (state.meta.userId === userId) Object.assign(state, { generation, cookiePending: true })
  }
  return 0
}

/** Reads the user's generation for a login, when revocation is on. */
export async function generationForLogin(
  sealed: SealedCookieBackend,
  userId: string,
  now: number,
): Promise<number> {
  return callStore(sealed.name, 'generation', () => sealed.generation(userId, now))
}
