/**
 * sessionkit for the Fetch API: `Request` / `Response` (Next.js route handlers, Bun, Deno,
 * workers, anything that speaks `(request) => Response`).
 *
 * @example
 * import { withSession } from 'sessionkit/fetch'
 *
 * export const GET = withSession(sessions, async (request, session) => {
 *   session?.set('visits', (session.get('visits') ?? 0) + 1)
 *   return new Response('hello')
 * })
 * @module
 */
import type { LoadRequest, SessionManager } from '../core/manager.js'
import { promised } from '../core/policy.js'
import type { Session, SessionData } from '../core/session.js'
import { afterIo } from './after-io.js'
import {
  type AdapterOptions,
  commitHeaders,
  commitHeadersNow,
  type FailureReply,
  failureReply,
  forwardedClientIp,
  type HeaderReader,
  mergeVary,
  report,
  requestInfo,
  type SessionHeaders,
} from './shared.js'

export type { AdapterOptions, ErrorContext } from './shared.js'
export { defaultOnError } from './shared.js'

/** Options of {@link withSession} and {@link loadSession}. */
export interface FetchSessionOptions extends AdapterOptions {
  /**
   * The client IP when `trustProxy` is off (or the request has no X-Forwarded-For). A Request
   * does not carry the peer address, so each runtime hands it over its own way.
   * @example getIp: (request) => server.requestIP(request)?.address ?? null   // Bun
   * @default null (no IP recorded)
   */
  getIp?: ((request: Request) => string | null | undefined) | null
}

/** A fetch handler that gets the session (null for requests the `skip` matcher excludes). */
export type FetchSessionHandler<Data extends SessionData, Flash extends SessionData> = (
  request: Request,
  session: Session<Data, Flash> | null,
) => Response | Promise<Response>

function headerReader(request: Request): HeaderReader {
  return (name) => request.headers.get(name) ?? undefined
}

/** The request as the manager reads it; the IP and User-Agent only for a new session. */
class FetchLoadRequest implements LoadRequest {
  readonly #request: Request
  readonly #tokenHeader: string | null
  readonly #options: FetchSessionOptions

  constructor(request: Request, tokenHeader: string | null, options: FetchSessionOptions) {
    this.#request = request
    this.#tokenHeader = tokenHeader
    this.#options = options
  }

  get cookie(): string | null {
    return this.#request.headers.get('cookie')
  }

  get token(): string | null {
    return this.#tokenHeader === null ? null : this.#request.headers.get(this.#tokenHeader)
  }

  get ip(): string | null {
    const forwarded =
      this.#options.trustProxy === true
        ? forwardedClientIp(this.#request.headers.get('x-forwarded-for'))
        : null
    return forwarded ?? this.#options.getIp?.(this.#request) ?? null
  }

  get userAgent(): string | null {
    return this.#request.headers.get('user-agent')
  }
}

/** Path and query, as the `skip` matcher expects. */
function pathOf(request: Request): string {
  try {
    const url = new URL(request.url)
    return `${url.pathname}${url.search}`
  } catch {
    return request.url
  }
}

/**
 * The session of a request, or null when the manager's `skip` matcher excludes it (then no
 * store call is made). Throws StoreUnavailableError when the store is down and `failOpen` is
 * off. Most apps use {@link withSession}, which also commits and answers failures.
 */
export function loadSession<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  request: Request,
  options: FetchSessionOptions = {},
): Promise<Session<Data, Flash> | null> {
  return promised(() => loadSessionNow(manager, request, options))
}

/**
 * @internal {@link loadSession} for the adapters: the session itself where the manager needs
 * no promise for it (see SessionManager.loadNow), else a promise; it may throw.
 */
export function loadSessionNow<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  request: Request,
  options: FetchSessionOptions,
): Session<Data, Flash> | null | Promise<Session<Data, Flash>> {
  if (
    manager.options.skip !== null &&
    manager.shouldSkip(requestInfo(request.method, pathOf(request), headerReader(request)))
  ) {
    return null
  }
  return manager.loadNow(new FetchLoadRequest(request, manager.options.header, options))
}

/**
 * Commits the session and returns the response to send: a copy of `response` with Set-Cookie,
 * `Cache-Control: no-store`, `Vary: Cookie` (and the token header for API clients) added, or
 * `response` itself when nothing needs adding. A copy, because a Response's headers may be
 * immutable (`Response.redirect()`, a fetched response). Store failures propagate.
 */
export async function commitSession<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  session: Session<Data, Flash> | null,
  response: Response,
): Promise<Response> {
  return commitSessionNow(manager, session, response)
}

/**
 * @internal {@link commitSession} for the adapters: the response itself when the commit needs
 * no store call (a read within touchAfter), else a promise of it; it may throw.
 */
export function commitSessionNow<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  session: Session<Data, Flash> | null,
  response: Response,
): Response | Promise<Response> {
  if (session === null) return response
  const headers = commitHeadersNow(manager, session)
  if (headers !== undefined) return withCommitted(response, headers)
  return commitHeaders(manager, session).then((stored) => withCommitted(response, stored))
}

function withCommitted(response: Response, headers: SessionHeaders | null): Response {
  // A network error (Response.error()) has no headers to carry a cookie and cannot be copied.
  if (headers === null || response.type === 'error') return response
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: withSessionHeaders(response.headers, headers),
  })
}

function withSessionHeaders(original: Headers, session: SessionHeaders): Headers {
  const headers = new Headers(original)
  const present = headers.getSetCookie()
  for (const cookie of session.setCookie) {
    if (!present.includes(cookie)) headers.append('set-cookie', cookie)
  }
  headers.set('cache-control', session.cacheControl)
  headers.set('vary', mergeVary(headers.get('vary'), session.vary))
  if (session.token !== null) headers.set(session.token.name, session.token.value)
  return headers
}

/** Duck-typed as well, so a Response from another realm (a framework's polyfill) still counts. */
function isResponse(value: unknown): value is Response {
  if (value instanceof Response) return true
  const candidate = value as Partial<Response> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.status === 'number' &&
    candidate.headers instanceof Headers
  )
}

function replyResponse(reply: FailureReply): Response {
  return new Response(reply.body, { status: reply.status, headers: reply.headers })
}

/**
 * Wraps a fetch handler: loads the session, calls the handler, and commits before the response
 * is returned, so a redirect returned right after a session write cannot race the write. Store
 * down at load, or a failed commit: 503 with `Retry-After: 5` instead of the handler's response.
 * Handler error: 500, and the session is NOT committed, so a failed request leaves no partial
 * data change.
 *
 * @example
 * export const POST = withSession(sessions, async (request, session) => {
 *   await session?.login(userId)
 *   return Response.redirect(new URL('/', request.url), 303)
 * })
 */
export function withSession<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  handler: FetchSessionHandler<Data, Flash>,
  options: FetchSessionOptions = {},
): (request: Request) => Promise<Response> {
  return async function sessionFetchHandler(request) {
    let session: Session<Data, Flash> | null
    try {
      // No await (and no microtask turn) when the store answered at once.
      const loaded = loadSessionNow(manager, request, options)
      session = loaded instanceof Promise ? await loaded : loaded
    } catch (error) {
      report(options, error, { phase: 'load' })
      return replyResponse(failureReply(error))
    }
    let response: Response
    try {
      response = await handler(request, session)
      if (!isResponse(response)) throw new TypeError('the handler must return a Response')
    } catch (error) {
      report(options, error, { phase: 'handler' })
      return replyResponse(failureReply(error))
    }
    let committed: Response
    try {
      const pending = commitSessionNow(manager, session, response)
      committed = pending instanceof Promise ? await pending : pending
    } catch (error) {
      report(options, error, { phase: 'commit' })
      // The handler's body is never sent; release whatever stream backs it.
      await response.body?.cancel().catch(() => undefined)
      return replyResponse(failureReply(error))
    }
    // After this turn's I/O where the runtime allows it (see after-io.ts).
    if (afterIo !== undefined) await afterIo()
    return committed
  }
}
