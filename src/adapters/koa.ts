/**
 * sessionkit for Koa 3 (and 2): middleware that puts the session on `ctx.session`.
 *
 * @example
 * import Koa from 'koa'
 * import { koaSessions } from 'sessionkit/koa'
 *
 * declare module 'koa' {
 *   interface SessionkitData { visits: number }
 * }
 *
 * const app = new Koa()
 * app.use(koaSessions(sessions))
 * app.use((ctx) => {
 *   const visits = (ctx.session?.get('visits') ?? 0) + 1
 *   ctx.session?.set('visits', visits)
 *   ctx.body = { visits }
 * })
 * @module
 */
import type { Context, Middleware, SessionkitData, SessionkitFlash } from 'koa'
import { SessionStateError } from '../core/errors.js'
import type { SessionManager } from '../core/manager.js'
import type { Session } from '../core/session.js'
import { afterIo } from './after-io.js'
import { assertManager, frameworkError, nodeHeaderReader } from './framework.js'
import {
  type AdapterOptions,
  commitHeaders,
  commitHeadersNow,
  mergeVary,
  NodeLoadRequest,
  type Registered,
  report,
  requestInfo,
  type SessionHeaders,
} from './shared.js'

export { SessionHttpError } from './framework.js'
export type { AdapterOptions, ErrorContext } from './shared.js'
export { defaultOnError } from './shared.js'

declare module 'koa' {
  /**
   * The keys of your session data, for `ctx.session`. Augment it once in your app; left empty,
   * the data is `Record<string, JsonValue>`.
   * @example
   * declare module 'koa' {
   *   interface SessionkitData { cart: string[] }
   * }
   */
  interface SessionkitData {}
  /** The keys of your flash values, typed the same way as {@link SessionkitData}. */
  interface SessionkitFlash {}

  interface DefaultContext {
    /** The request's session; `null` for requests the manager's `skip` matcher excludes. */
    session: KoaSession | null
  }
}

/** The session data type `ctx.session` has: your {@link SessionkitData}. */
export type KoaSessionData = Registered<SessionkitData>
/** The flash type `ctx.session` has: your {@link SessionkitFlash}. */
export type KoaFlashData = Registered<SessionkitFlash>
/** The type of `ctx.session` (when not null). */
export type KoaSession = Session<KoaSessionData, KoaFlashData>

/** Options of {@link koaSessions}. */
export interface KoaSessionOptions extends AdapterOptions {}

/** Koa's `ctx.ip`, which follows `app.proxy`; read for new sessions only. */
function koaIp(ctx: Context): string | null {
  return ctx.ip || null
}

/** Adds the session headers without dropping the response's own cookies or Vary fields. */
function applySessionHeaders(ctx: Context, headers: SessionHeaders): void {
  const current = ctx.response.get('set-cookie')
  const cookies = Array.isArray(current) ? current : current ? [String(current)] : []
  for (const cookie of headers.setCookie) {
    if (!cookies.includes(cookie)) ctx.append('set-cookie', cookie)
  }
  ctx.set('cache-control', headers.cacheControl)
  const vary = ctx.response.get('vary')
  ctx.set(
    'vary',
    mergeVary(Array.isArray(vary) ? vary.join(', ') : String(vary ?? ''), headers.vary),
  )
  if (headers.token !== null) ctx.set(headers.token.name, headers.token.value)
}

/**
 * Koa middleware: loads the session onto `ctx.session`, runs the rest of the chain, and commits
 * after `await next()` returns, which is before Koa writes the response: a redirect sent right
 * after a session write cannot reach the browser before the write is in the store.
 *
 * Store down at load, or a failed commit: a {@link SessionHttpError} (503, `Retry-After: 5`,
 * exposed message) is thrown, so Koa (or your error-handling middleware upstream) answers it.
 * An error thrown downstream passes through untouched, and the session is not committed: a
 * failed request leaves no half-done data change.
 *
 * `ctx.ip` (which follows Koa's `app.proxy`) is the client IP unless `trustProxy` is on.
 *
 * @example
 * app.use(koaSessions(sessions, { onError: (error) => log.warn(error) }))
 */
export function koaSessions(
  manager: SessionManager<KoaSessionData, KoaFlashData>,
  options: KoaSessionOptions = {},
): Middleware {
  assertManager(manager, 'app.use(koaSessions(sessions))')
  const trustProxy = options.trustProxy === true
  const skips = manager.options.skip !== null
  return async function sessionkit(ctx, next) {
    if (
      skips &&
      manager.shouldSkip(requestInfo(ctx.method, ctx.url, nodeHeaderReader(ctx.req.headers)))
    ) {
      ctx.session = null
      return next()
    }
    let session: KoaSession
    try {
      // No await (and no microtask turn) when the store answered at once.
      const loaded = manager.loadNow(
        new NodeLoadRequest(ctx.req.headers, manager.options.header, trustProxy, ctx, koaIp),
      )
      session = loaded instanceof Promise ? await loaded : loaded
    } catch (error) {
      report(options, error, { phase: 'load' })
      throw frameworkError(error)
    }
    ctx.session = session
    // A throw here propagates on purpose, before the commit below.
    await next()
    if (ctx.headerSent) {
      // The app wrote to ctx.res itself; a session saved whose cookie cannot reach the client
      // would be a silent loss, so say so instead.
      const message =
        'the response was sent before the session could be committed; leave the writing to Koa (ctx.body) so the session is saved first'
      report(options, new SessionStateError(message), { phase: 'commit' })
      return
    }
    let headers: SessionHeaders | null | undefined
    try {
      // A read within touchAfter needs no store call, and so no await.
      headers = commitHeadersNow(manager, session)
      if (headers === undefined) headers = await commitHeaders(manager, session)
    } catch (error) {
      report(options, error, { phase: 'commit' })
      throw frameworkError(error)
    }
    if (headers !== null) applySessionHeaders(ctx, headers)
    // Koa writes the response once the middleware resolves: after this turn's I/O, as every
    // adapter's response goes out on node (see after-io.ts).
    if (afterIo !== undefined) await afterIo()
  }
}
