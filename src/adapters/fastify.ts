/**
 * sessionkit for Fastify 5: a plugin that decorates `request.session`.
 *
 * @example
 * import Fastify from 'fastify'
 * import sessionkit from 'sessionkit/fastify'
 *
 * declare module 'fastify' {
 *   interface SessionkitData { visits: number }
 * }
 *
 * const app = Fastify()
 * await app.register(sessionkit, { manager: sessions })
 * app.get('/', async (request) => {
 *   const visits = (request.session?.get('visits') ?? 0) + 1
 *   request.session?.set('visits', visits)
 *   return { visits }
 * })
 * @module
 */
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  SessionkitData,
  SessionkitFlash,
} from 'fastify'
import fp from 'fastify-plugin'
import type { SessionManager } from '../core/manager.js'
import type { Session } from '../core/session.js'
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

declare module 'fastify' {
  /**
   * The keys of your session data, for `request.session`. Augment it once in your app (as with
   * @fastify/session's `Session`); left empty, the data is `Record<string, JsonValue>`.
   * @example
   * declare module 'fastify' {
   *   interface SessionkitData { cart: string[]; theme: 'light' | 'dark' }
   * }
   */
  interface SessionkitData {}
  /** The keys of your flash values, typed the same way as {@link SessionkitData}. */
  interface SessionkitFlash {}

  interface FastifyRequest {
    /**
     * The request's session; `null` for requests the manager's `skip` matcher excludes. Routes
     * outside the context the plugin is registered in have no session property at all.
     */
    session: FastifySession | null
  }
}

/** The session data type `request.session` has: your {@link SessionkitData}. */
export type FastifySessionData = Registered<SessionkitData>
/** The flash type `request.session` has: your {@link SessionkitFlash}. */
export type FastifyFlashData = Registered<SessionkitFlash>
/** The type of `request.session` (when not null). */
export type FastifySession = Session<FastifySessionData, FastifyFlashData>

/** Options of the {@link sessionkit} plugin. */
export interface FastifySessionOptions extends AdapterOptions {
  /**
   * The SessionManager that loads and commits sessions. Its data types should match the
   * {@link SessionkitData} / {@link SessionkitFlash} augmentation.
   */
  manager: SessionManager<FastifySessionData, FastifyFlashData>
}

/** Per-request bookkeeping, under a symbol so that apps never see it. */
interface RequestState {
  session: FastifySession | null
  /** The request went through Fastify's error handling: its session is not committed. */
  failed: boolean
  /** The commit ran (onSend runs again for the error reply when the commit fails). */
  done: boolean
}

const STATE = Symbol('sessionkit')
type StatefulRequest = FastifyRequest & { [STATE]?: RequestState }

/** Fastify's `request.ip`, which follows its own trustProxy setting; read for new sessions only. */
function fastifyIp(request: FastifyRequest): string {
  return request.ip
}

/** Adds the session headers without dropping the reply's own cookies or Vary fields. */
function applySessionHeaders(reply: FastifyReply, headers: SessionHeaders): void {
  const current = reply.getHeader('set-cookie')
  const cookies = current === undefined ? [] : Array.isArray(current) ? current : [String(current)]
  // Fastify appends when the header is set-cookie.
  for (const cookie of headers.setCookie) {
    if (!cookies.includes(cookie)) reply.header('set-cookie', cookie)
  }
  reply.header('cache-control', headers.cacheControl)
  const vary = reply.getHeader('vary')
  reply.header(
    'vary',
    mergeVary(Array.isArray(vary) ? vary.join(', ') : vary?.toString(), headers.vary),
  )
  if (headers.token !== null) reply.header(headers.token.name, headers.token.value)
}

/**
 * The plugin body. Hooks, in Fastify's lifecycle:
 * - `onRequest` loads the session (before body parsing, so a 503 costs no upload);
 * - `onError` marks a request whose handler failed, so its half-done session is not committed;
 * - `onSend` commits, before Fastify writes the headers: a redirect sent right after a session
 *   write cannot reach the browser before the write is in the store.
 */
const plugin: FastifyPluginAsync<FastifySessionOptions> = async function sessionkit(
  fastify,
  options,
) {
  assertManager(options?.manager, 'fastify.register(sessionkit, { manager: sessions })')
  const { manager } = options
  const trustProxy = options.trustProxy === true
  const skips = manager.options.skip !== null

  fastify.decorateRequest('session', null)

  // Callback-style hooks: an async hook costs Fastify a promise and its wrapping per request.
  fastify.addHook('onRequest', function sessionkitLoad(request: StatefulRequest, _reply, done) {
    const state: RequestState = { session: null, failed: false, done: false }
    request[STATE] = state
    if (
      skips &&
      manager.shouldSkip(
        requestInfo(request.method, request.url, nodeHeaderReader(request.headers)),
      )
    ) {
      done()
      return
    }
    const failed = (error: unknown) => {
      report(options, error, { phase: 'load' })
      done(frameworkError(error) as Error)
    }
    const ready = (session: FastifySession) => {
      state.session = session
      request.session = session
      done()
    }
    let session: FastifySession | Promise<FastifySession>
    try {
      session = manager.loadNow(
        new NodeLoadRequest(
          request.headers,
          manager.options.header,
          trustProxy,
          request,
          fastifyIp,
        ),
      )
    } catch (error) {
      failed(error)
      return
    }
    // No promise to wait for when the store answered at once (the memory store's getNow).
    if (session instanceof Promise) session.then(ready, failed)
    else ready(session)
  })

  fastify.addHook(
    'onError',
    function sessionkitFailed(request: StatefulRequest, _reply, _error, done) {
      const state = request[STATE]
      if (state !== undefined) state.failed = true
      done()
    },
  )

  fastify.addHook(
    'onSend',
    function sessionkitCommit(request: StatefulRequest, reply, payload, done) {
      const state = request[STATE]
      const session = state?.session
      if (state === undefined || !session || state.done || state.failed) {
        done(null, payload)
        return
      }
      state.done = true
      let now: SessionHeaders | null | undefined
      try {
        now = commitHeadersNow(manager, session)
      } catch (error) {
        report(options, error, { phase: 'commit' })
        done(frameworkError(error) as Error)
        return
      }
      // The reply goes out after this turn's I/O, as every adapter's (see releaseAfterIo).
      if (now !== undefined) {
        if (now !== null) applySessionHeaders(reply, now)
        setImmediate(done, null, payload)
        return
      }
      commitHeaders(manager, session).then(
        (headers) => {
          if (headers !== null) applySessionHeaders(reply, headers)
          setImmediate(done, null, payload)
        },
        (error: unknown) => {
          report(options, error, { phase: 'commit' })
          // Fastify answers it through its error handler instead of the handler's reply.
          done(frameworkError(error) as Error)
        },
      )
    },
  )
}

/**
 * The Fastify plugin. Wrapped with fastify-plugin, so it decorates the context it is registered
 * in (and that context's children), not only its own: register it at the root for every route,
 * or inside a `fastify.register(async (child) => …)` scope for that scope's routes only.
 *
 * Store down at load, or a failed commit: a {@link SessionHttpError} (503, `Retry-After: 5`)
 * goes to Fastify's error handler. A route that fails (throws, or sends an error) is answered
 * by Fastify as usual, and its session is not committed.
 *
 * @example
 * await fastify.register(sessionkit, { manager: sessions, trustProxy: false })
 */
export const sessionkit = fp(plugin, { fastify: '5.x', name: 'sessionkit' })

export default sessionkit
