/**
 * Sessions that live in the cookie: the payload format, sealing, and splitting over numbered
 * cookies. The manager uses this when its store declares `kind: 'sealed-cookie'`.
 * @module
 */
import { parse } from 'cookie'
import {
  clearingCookie,
  MAX_COOKIE_VALUE_LENGTH,
  type ResolvedCookieOptions,
  sessionCookie,
} from './cookies.js'
import type { KeyRing } from './crypto.js'
import { CookieTooLargeError } from './errors.js'
import { isWellFormedId } from './ids.js'
import { seal, unseal } from './seal.js'
import type { JsonObject, SessionRecord, Store } from './store.js'

/** What the manager needs from a store that keeps sessions in the cookie. */
export interface SealedCookieBackend extends Store {
  readonly kind: 'sealed-cookie'
  /** The most cookies one session may be split over. */
  readonly maxChunks: number
  /** A server store for per-user generations, or null when revocation is off. */
  readonly revocations: Store | null
  /** The user's current generation (0 before any revocation). */
  generation(userId: string, now: number): Promise<number>
  /** Moves the user's generation forward and returns the new one. */
  revoke(userId: string, now: number, keepFor: number): Promise<number>
}

export function isSealedCookieBackend(store: unknown): store is SealedCookieBackend {
  return (
    typeof store === 'object' &&
    store !== null &&
    (store as { kind?: unknown }).kind === 'sealed-cookie'
  )
}

/** A session as sealed into the cookie. */
export interface SealedPayload {
  id: string
  record: SessionRecord
  /** The user's generation when the session was bound to them, or null. */
  generation: number | null
}

/** Browsers drop a Set-Cookie line longer than this (name, value and attributes). */
export const MAX_SET_COOKIE_BYTES = 4096
const CHUNK_MARK = /^([1-9][0-9]?)~/

/** The sealed value and how many cookies carried it. `value` is null when none or incomplete. */
export interface SealedCookies {
  value: string | null
  chunks: number
}

function chunkName(name: string, index: number): string {
  return index === 0 ? name : `${name}.${index}`
}

/**
 * Joins the chunks of a sealed session from a Cookie header. A single cookie holds the seal;
 * several hold `<count>~<part>` in the first and the rest in `<name>.1`, `<name>.2`, …
 * More than `maxChunks` chunks, or a chunk longer than a browser keeps, is never what the
 * server sent: it gives no value, so no decryption work is spent on it.
 */
export function readSealedCookies(
  header: string | null | undefined,
  name: string,
  maxChunks: number,
): SealedCookies {
  if (!header) return { value: null, chunks: 0 }
  let cookies: Record<string, string | undefined>
  try {
    cookies = parse(header)
  } catch {
    return { value: null, chunks: 0 }
  }
  let present = 0
  while (cookies[chunkName(name, present)] !== undefined && present < 100) present++
  const first = cookies[name]
  if (first === undefined) return { value: null, chunks: present }
  const none = { value: null, chunks: present }
  if (first.length > MAX_COOKIE_VALUE_LENGTH) return none
  const mark = CHUNK_MARK.exec(first)
  if (!mark) return { value: first, chunks: present }
  const count = Number(mark[1])
  if (count > maxChunks) return none
  const parts = [first.slice(mark[0].length)]
  for (let i = 1; i < count; i++) {
    const part = cookies[chunkName(name, i)]
    if (part === undefined || part.length > MAX_COOKIE_VALUE_LENGTH) return none
    parts.push(part)
  }
  return { value: parts.join(''), chunks: Math.max(present, count) }
}

/** Seals a session into its payload string. */
export function sealPayload(ring: KeyRing, context: string, payload: SealedPayload): string {
  const { record } = payload
  const compact = {
    v: 1,
    i: payload.id,
    d: record.data,
    u: record.userId,
    t: record.tenantId,
    ip: record.ip,
    ua: record.userAgent,
    c: record.createdAt,
    m: record.updatedAt,
    l: record.lastSeenAt,
    e: record.expiresAt,
    g: payload.generation,
  }
  return seal(ring, JSON.stringify(compact), context)
}

function isNullableString(value: unknown): value is string | null {
  return value === null || typeof value === 'string'
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** The session inside a seal, or null when it does not open or is not a session payload. */
export function unsealPayload(
  ring: KeyRing,
  context: string,
  sealed: string,
): SealedPayload | null {
  const plain = unseal(ring, sealed, context)
  if (plain === null) return null
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(plain) as Record<string, unknown>
  } catch {
    return null
  }
  const { v, i, d, u, t, ip, ua, c, m, l, e, g } = parsed
  if (
    v !== 1 ||
    typeof i !== 'string' ||
    !isWellFormedId(i) ||
    typeof d !== 'object' ||
    d === null ||
    Array.isArray(d) ||
    !isNullableString(u) ||
    !isNullableString(t) ||
    !isNullableString(ip) ||
    !isNullableString(ua) ||
    !isTime(c) ||
    !isTime(m) ||
    !isTime(l) ||
    !isTime(e) ||
    !(g === null || typeof g === 'number')
  ) {
    return null
  }
  return {
    id: i,
    generation: g as number | null,
    record: {
      data: d as JsonObject,
      userId: u,
      tenantId: t,
      ip,
      userAgent: ua,
      createdAt: c,
      updatedAt: m,
      lastSeenAt: l,
      expiresAt: e,
    },
  }
}

/**
 * Set-Cookie values carrying `sealed`, split so every line stays under 4096 bytes, plus
 * clearing cookies for chunks left over from a larger earlier session.
 */
export function sealedCookieLines(
  options: ResolvedCookieOptions,
  sealed: string,
  expiresAt: number,
  previousChunks: number,
  maxChunks: number,
): { lines: string[]; chunks: number } {
  const single = sessionCookie(options, sealed, expiresAt)
  if (single.length < MAX_SET_COOKIE_BYTES) {
    return { lines: [single, ...clearChunks(options, 1, previousChunks)], chunks: 1 }
  }
  // The longest line is the one with the longest name; size every chunk for it.
  const overhead =
    sessionCookie({ ...options, name: chunkName(options.name, maxChunks) }, '', expiresAt).length +
    `${maxChunks}~`.length
  const room = MAX_SET_COOKIE_BYTES - 1 - overhead
  const count = Math.ceil(sealed.length / room)
  if (count > maxChunks) {
    throw new CookieTooLargeError(sealed.length + overhead * count, room * maxChunks)
  }
  const lines: string[] = []
  for (let index = 0; index < count; index++) {
    const part = sealed.slice(index * room, (index + 1) * room)
    const value = index === 0 ? `${count}~${part}` : part
    lines.push(
      sessionCookie({ ...options, name: chunkName(options.name, index) }, value, expiresAt),
    )
  }
  return { lines: [...lines, ...clearChunks(options, count, previousChunks)], chunks: count }
}

/** Clearing cookies for chunk indexes from..to-1 (all of them when from is 0). */
export function clearChunks(options: ResolvedCookieOptions, from: number, to: number): string[] {
  const lines: string[] = []
  for (let index = from; index < to; index++) {
    lines.push(clearingCookie({ ...options, name: chunkName(options.name, index) }))
  }
  return lines
}
