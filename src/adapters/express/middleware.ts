/**
 * `session(options)`: the middleware. It reads the cookie, loads the session onto
 * `req.session`, and commits it before the response's first byte (the node adapter's
 * ResponseGate holds writeHead/write/end until the save is done, so a redirect can never reach
 * the browser before the session it depends on is in the store).
 * @module
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { StoreError, StoreUnavailableError } from '../../core/errors.js'
import { SessionManager } from '../../core/manager.js'
import type { JsonValue } from '../../core/store.js'
import { ResponseGate, releaseAfterIo } from '../node-gate.js'
import { failureReply, report, type SessionHeaders } from '../shared.js'
import type { Backend } from './backend.js'
import { CallbackBackend } from './callback-backend.js'
import { RequestContext } from './context.js'
import { useDictionaryMode } from './dictionary-mode.js'
import { KitBackend } from './kit-backend.js'
import {
  cookieReader,
  managerOptions,
  type ResolvedOptions,
  resolveOptions,
  type SessionOptions,
} from './options.js'
import { prepareSessionFields } from './request-fields.js'
import { onCookiePath } from './secure.js'
import { type CookieReader, readSessionCookie } from './signature.js'
import { watchReadiness } from './store.js'

/** The back end for each request, and whether the store is ready. */
interface Backends {
  pick(): Backend
  ready(): boolean
}

function backendsFor(options: SessionOptions | undefined, resolved: ResolvedOptions): Backends {
  const { store } = resolved
  if (store.kind === 'callback') {
    const backend = new CallbackBackend(store.store)
    return { pick: () => backend, ready: watchReadiness(store.store) }
  }
  const compat = store.store
  const manager = new SessionManager<Record<string, JsonValue>, Record<string, JsonValue>>(
    managerOptions(options, resolved, compat.store),
  )
  compat.attach(manager)
  const kit = new KitBackend(manager, compat)
  let bridge: CallbackBackend | undefined
  return {
    // Decided per request: an app (or a test) may replace a store method at any time.
    pick: () => {
      if (!compat.overridden()) return kit
      bridge ??= new CallbackBackend(compat)
      return bridge
    },
    ready: watchReadiness(compat),
  }
}

/**
 * A store failure reaches Express's error handler as a 503 with Retry-After (finalhandler
 * reads `status` and `headers`), the answer sessionkit's other adapters give.
 */
function asHttpError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || error instanceof StoreError) {
    Object.defineProperties(error, {
      status: { value: 503, configurable: true },
      headers: { value: { 'Retry-After': '5' }, configurable: true },
    })
  }
  return error
}

/** The secrets of this request: the option's, or cookie-parser's `req.secret` (express-session allows it). */
function readerFor(resolved: ResolvedOptions): (req: Request) => CookieReader | null {
  const fixed = resolved.reader
  if (fixed !== null) return () => fixed
  // The key ring is derived once per secret, not per request.
  let last: CookieReader | null = null
  return (req) => {
    const secret: unknown = (req as { secret?: unknown }).secret
    if (typeof secret !== 'string' || secret === '') return null
    if (last?.secrets[0] !== secret) last = cookieReader(resolved.name, [secret])
    return last
  }
}

/**
 * Creates the session middleware: express-session's options and `req.session` API, on a
 * sessionkit store or any express-session store.
 *
 * @example
 * import session from 'sessionkit/express'
 * app.use(session({ secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }))
 */
export function session(options?: SessionOptions): RequestHandler {
  const resolved = resolveOptions(options)
  const backends = backendsFor(options, resolved)
  const readerOf = readerFor(resolved)

  return function sessionMiddleware(req: Request, res: Response, next: NextFunction): void {
    // First: every property read and added on req and res from here on, by this middleware,
    // Express, node and the app, is several times cheaper in dictionary mode.
    useDictionaryMode(req, res)
    // Self-awareness: a second session() in the chain leaves the first one's session alone.
    if ((req as { session?: unknown }).session) {
      next()
      return
    }
    if (!backends.ready()) {
      next()
      return
    }
    const cookieOptions = resolved.cookie(req)
    if (!onCookiePath(req, cookieOptions.path || '/')) {
      next()
      return
    }
    const reader = readerOf(req)
    if (reader === null) {
      next(new Error('secret option required for sessions'))
      return
    }
    const backend = backends.pick()
    prepareSessionFields(req)
    req.sessionStore = backend.sessionStore
    const { id: cookieId, carried, signed } = readSessionCookie(req, reader)
    if (cookieId !== undefined) req.sessionID = cookieId
    const context = new RequestContext({
      req,
      options: resolved,
      backend,
      secrets: reader.secrets,
      cookieId,
      carried,
      signed,
      cookieOptions,
    })
    context.start().then(
      () => {
        guard(context, res, resolved)
        next()
      },
      (error: unknown) => next(asHttpError(error)),
    )
  }
}

/**
 * Commits before the first byte, and saves what changed after it once the response has ended
 * (express-session saves at `res.end`; a change made after that is not saved by either).
 */
function guard(context: RequestContext, res: Response, options: ResolvedOptions): void {
  const onReplayError = (error: unknown) => report(options, error, { phase: 'handler' })
  // The gate calls this once, on the response's first write.
  const gate: ResponseGate = new ResponseGate(
    res,
    () => {
      let now: SessionHeaders | null | undefined
      try {
        now = context.commitNow()
      } catch (error) {
        report(options, error, { phase: 'commit' })
        gate.fail(failureReply(error))
        return
      }
      // Released after this turn's I/O even when nothing is stored (see releaseAfterIo).
      if (now !== undefined) {
        releaseAfterIo(gate, now, onReplayError)
        return
      }
      void context.commitLater().then(
        (headers) => releaseAfterIo(gate, headers, onReplayError),
        (error: unknown) => {
          report(options, error, { phase: 'commit' })
          gate.fail(failureReply(error))
        },
      )
    },
    () => {
      context.afterResponse().catch((error: unknown) => report(options, error, { phase: 'commit' }))
    },
    'shared',
  )
}
