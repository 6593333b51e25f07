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
import type { JsonValue } from '../core/store.js'
import { assertManager, frameworkError, nodeHeaderReader } from './framework.js'
import {
  type AdapterOptions,
  commitHeaders,
  loadRequest,
  mergeVary,
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

/** An augmented interface, or plain JSON data while the app has not augmented it. */
type Registered<T> = keyof T extends never ? Record<string, JsonValue> : T

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

/** Per-request bookkeeping, kept off the request object. */
interface RequestState {
  session: FastifySession | null
  /** The request went through Fastify's error handling: its session is not committed. */
  failed: boolean
  /** The commit ran (onSend runs again for the error reply when the commit fails). */
  done: boolean
}

const states = new WeakMap<FastifyRequest, RequestState>()

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

  fastify.decorateRequest('session', null)

  fastify.addHook('onRequest', async (request) => {
    const state: RequestState = { session: null, failed: false, done: false }
    states.set(request, state)
    const header = nodeHeaderReader(request.headers)
    if (manager.shouldSkip(requestInfo(request.method, request.url, header))) return
    try {
      state.session = await manager.load(
        // request.ip already follows Fastify's own trustProxy setting.
        loadRequest(manager.options.header, header, { trustProxy, fallback: () => request.ip }),
      )
    } catch (error) {
      report(options, error, { phase: 'load' })
      throw frameworkError(error)
    }
    request.session = state.session
  })

  fastify.addHook('onError', async (request) => {
    const state = states.get(request)
    if (state !== undefined) state.failed = true
  })

  fastify.addHook('onSend', async (request, reply, payload) => {
    const state = states.get(request)
    if (state === undefined || state.session === null || state.done || state.failed) return payload
    state.done = true
    let headers: SessionHeaders | null
    try {
      headers = await commitHeaders(manager, state.session)
    } catch (error) {
      report(options, error, { phase: 'commit' })
      // Fastify answers it through its error handler instead of the handler's reply.
      throw frameworkError(error)
    }
    if (headers !== null) applySessionHeaders(reply, headers)
    return payload
  })
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
