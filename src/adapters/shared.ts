/**
 * What the node and fetch adapters have in common: reading a request into a LoadRequest,
 * turning a commit into response headers, and the replies sent when the session layer fails.
 * Nothing here knows about IncomingMessage or Response.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http'
import { isIP } from 'node:net'
import { SessionkitError, StoreError, StoreUnavailableError } from '../core/errors.js'
import type { LoadRequest, SessionManager } from '../core/manager.js'
import type { SessionRequestInfo } from '../core/options.js'
import { type Session, type SessionData, stateOf } from '../core/session.js'
import type { JsonValue } from '../core/store.js'

/**
 * The session data type of an adapter: the app's augmented interface, or plain JSON data while
 * the app has not augmented it.
 */
export type Registered<T> = keyof T extends never ? Record<string, JsonValue> : T

/** Where an error reported to {@link AdapterOptions.onError} happened. */
export interface ErrorContext {
  /** `load` and `commit` are sessionkit's; `handler` is the app's own error. */
  phase: 'load' | 'commit' | 'handler'
}

/** Options every adapter takes. */
export interface AdapterOptions {
  /**
   * Take the client IP from the left-most `X-Forwarded-For` address. Turn it on only behind a
   * proxy you run: any client can send that header, so the address is for display (a devices
   * page), never for access decisions.
   * @default false
   */
  trustProxy?: boolean
  /**
   * Called with every error the adapter answers for: a store failure at load or commit (503),
   * or the handler's own error (500). It must not throw; if it does, the throw is ignored.
   * @default {@link defaultOnError}: console.error of the error code and message only
   */
  onError?: ((error: unknown, context: ErrorContext) => void) | null
}

/**
 * Logs a sessionkit error as its code and message only (messages never carry a session ID, a
 * cookie or a secret; the driver error in `cause` is left out on purpose). Other errors are
 * the app's own and are logged with their stack.
 */
export function defaultOnError(error: unknown, context: ErrorContext): void {
  if (error instanceof SessionkitError) {
    console.error(`sessionkit ${context.phase}: ${error.code}: ${error.message}`)
  } else {
    console.error(
      `sessionkit: the ${context.phase} threw:`,
      error instanceof Error ? error.stack : error,
    )
  }
}

/** Reports through the hook; a hook that throws must never turn a 503 into a crash. */
export function report(options: AdapterOptions, error: unknown, context: ErrorContext): void {
  const hook = options.onError ?? defaultOnError
  try {
    hook(error, context)
  } catch {
    // Nothing sensible is left to do with an error about an error.
  }
}

/** Reads one request header by lower-case name; several values come joined. */
export type HeaderReader = (name: string) => string | undefined

/** The SessionRequestInfo the `skip` matcher sees. `url` is path and query. */
export function requestInfo(method: string, url: string, header: HeaderReader): SessionRequestInfo {
  return { method, url, header: (name) => header(name.toLowerCase()) }
}

/**
 * What {@link SessionManager.load} needs from a request: the Cookie header, the token header
 * (`manager.options.header`, already lower-case), the client IP and the User-Agent.
 */
export function loadRequest(
  tokenHeader: string | null,
  header: HeaderReader,
  ip: { trustProxy: boolean; fallback: () => string | null },
): LoadRequest {
  const forwarded = ip.trustProxy ? forwardedClientIp(header('x-forwarded-for')) : null
  return {
    cookie: header('cookie') ?? null,
    token: tokenHeader === null ? null : (header(tokenHeader) ?? null),
    ip: forwarded ?? ip.fallback(),
    userAgent: header('user-agent') ?? null,
  }
}

/**
 * A LoadRequest over node's header object whose IP and User-Agent are read only if the
 * manager asks (it does for a new session only): the framework's IP getter is not free, and
 * this is built on every request.
 */
export class NodeLoadRequest<Source> implements LoadRequest {
  readonly #headers: IncomingHttpHeaders
  readonly #tokenHeader: string | null
  readonly #trustProxy: boolean
  readonly #source: Source
  readonly #peerIp: (source: Source) => string | null | undefined

  constructor(
    headers: IncomingHttpHeaders,
    tokenHeader: string | null,
    trustProxy: boolean,
    source: Source,
    peerIp: (source: Source) => string | null | undefined,
  ) {
    this.#headers = headers
    this.#tokenHeader = tokenHeader
    this.#trustProxy = trustProxy
    this.#source = source
    this.#peerIp = peerIp
  }

  get cookie(): string | null {
    return joined(this.#headers.cookie) ?? null
  }

  get token(): string | null {
    return this.#tokenHeader === null ? null : (joined(this.#headers[this.#tokenHeader]) ?? null)
  }

  get ip(): string | null {
    const forwarded = this.#trustProxy
      ? forwardedClientIp(joined(this.#headers['x-forwarded-for']))
      : null
    return forwarded ?? this.#peerIp(this.#source) ?? null
  }

  get userAgent(): string | null {
    return joined(this.#headers['user-agent']) ?? null
  }
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * The left-most address of an X-Forwarded-For header, or null when it is missing or not an IP.
 * A port (`1.2.3.4:80`, `[::1]:80`) is dropped; anything else that is not an address is
 * refused rather than stored as the session's IP.
 */
export function forwardedClientIp(header: string | null | undefined): string | null {
  const first = header?.split(',')[0]?.trim()
  if (!first) return null
  if (isIP(first) !== 0) return first
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$/.exec(first)?.[1]
  if (bracketed !== undefined && isIP(bracketed) === 6) return bracketed
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(first)?.[1]
  if (withPort !== undefined && isIP(withPort) === 4) return withPort
  return null
}

/** The headers a response carries when the commit produced a session cookie. */
export interface SessionHeaders {
  /** Set-Cookie values to add (never replacing the app's own cookies). */
  setCookie: string[]
  /** Always `no-store`: a response that sets a credential must never sit in a shared cache. */
  cacheControl: 'no-store'
  /** Field names to merge into Vary. */
  vary: readonly string[]
  /**
   * The token header to send back to API clients that came with one: the new signed token, or
   * `''` when the session was cleared (the client should drop its token).
   */
  token: { name: string; value: string } | null
}

/**
 * Commits the session and returns the headers to add, or null when nothing is to be sent.
 * Throws what {@link SessionManager.commit} throws (StoreUnavailableError, StoreError).
 */
export async function commitHeaders<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  session: Session<Data, Flash>,
): Promise<SessionHeaders | null> {
  return headersOf(manager, session, await manager.commit(session))
}

/**
 * {@link commitHeaders} when the commit needs no store call (a read within touchAfter, an
 * empty new session), or undefined when it does.
 */
export function commitHeadersNow<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  session: Session<Data, Flash>,
): SessionHeaders | null | undefined {
  const setCookie = manager.commitNow(session)
  return setCookie === null ? undefined : headersOf(manager, session, setCookie)
}

function headersOf<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  session: Session<Data, Flash>,
  setCookie: string[],
): SessionHeaders | null {
  if (setCookie.length === 0) return null
  const name = manager.options.header
  // The core knows whether the token came from the header (the cookie wins when both are sent).
  const echo = name !== null && stateOf(session).fromHeader
  // After commit a session is stored exactly when it is not new; a new one here was cleared.
  const token = echo ? { name, value: session.isNew ? '' : manager.tokenFor(session) } : null
  return {
    setCookie,
    cacheControl: 'no-store',
    vary: token === null ? ['Cookie'] : ['Cookie', name ?? ''],
    token,
  }
}

/** An existing Vary value with `add` merged in, keeping what is there; `*` stays `*`. */
export function mergeVary(existing: string | null | undefined, add: readonly string[]): string {
  // The usual case, on every response that sets the cookie: nothing to merge with.
  if ((existing === undefined || existing === null || existing === '') && add.length === 1) {
    return add[0] ?? ''
  }
  const fields = (existing ?? '')
    .split(',')
    .map((field) => field.trim())
    .filter((field) => field.length > 0)
  if (fields.includes('*')) return '*'
  const seen = new Set(fields.map((field) => field.toLowerCase()))
  for (const field of add) {
    if (seen.has(field.toLowerCase())) continue
    seen.add(field.toLowerCase())
    fields.push(field)
  }
  return fields.join(', ')
}

/** A plain-text answer the adapter sends instead of the handler's. */
export interface FailureReply {
  status: 500 | 503
  headers: Record<string, string>
  body: string
}

/**
 * The reply for an error the adapter catches: 503 with Retry-After when the store is down or
 * failed (the client may retry; nothing was half-written), 500 for anything else.
 */
export function failureReply(error: unknown): FailureReply {
  const storeFailure = error instanceof StoreUnavailableError || error instanceof StoreError
  const base = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }
  return storeFailure
    ? {
        status: 503,
        headers: { ...base, 'retry-after': '5' },
        body: 'Service Unavailable: sessions are temporarily unavailable, please retry.\n',
      }
    : { status: 500, headers: base, body: 'Internal Server Error\n' }
}
