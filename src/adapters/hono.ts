/**
 * sessionkit for Hono 4: middleware that puts the session in `c.get('session')`. It only uses
 * the Fetch API (`c.req.raw`, `c.res`), so it runs wherever Hono does: Node
 * (@hono/node-server), Bun, Deno, workers.
 *
 * @example
 * import { Hono } from 'hono'
 * import { type SessionVariables, sessionMiddleware } from 'sessionkit/hono'
 *
 * const app = new Hono<{ Variables: SessionVariables<{ visits: number }> }>()
 * app.use(sessionMiddleware(sessions))
 * app.get('/', (c) => {
 *   const session = c.get('session')
 *   const visits = (session?.get('visits') ?? 0) + 1
 *   session?.set('visits', visits)
 *   return c.json({ visits })
 * })
 * @module
 */
import type { Context, MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { SessionManager } from '../core/manager.js'
import type { Session, SessionData } from '../core/session.js'
import type { JsonValue } from '../core/store.js'
import { afterIo } from './after-io.js'
import { commitSessionNow, loadSessionNow } from './fetch.js'
import { assertManager, isStoreFailure } from './framework.js'
import { type AdapterOptions, failureReply, report } from './shared.js'

export type { AdapterOptions, ErrorContext } from './shared.js'
export { defaultOnError } from './shared.js'

/**
 * The context variables the middleware sets. Give them to your app's Env so `c.get('session')`
 * is typed: `new Hono<{ Variables: SessionVariables<MyData> }>()`.
 */
export type SessionVariables<
  Data extends SessionData = Record<string, JsonValue>,
  Flash extends SessionData = Record<string, JsonValue>,
> = {
  /** The request's session; `null` for requests the manager's `skip` matcher excludes. */
  session: Session<Data, Flash> | null
}

/** The Env the middleware declares: only its variables. */
export type SessionEnv<
  Data extends SessionData = Record<string, JsonValue>,
  Flash extends SessionData = Record<string, JsonValue>,
> = { Variables: SessionVariables<Data, Flash> }

/** Options of {@link sessionMiddleware}. */
export interface HonoSessionOptions extends AdapterOptions {
  /**
   * The client IP when `trustProxy` is off (or the request has no X-Forwarded-For).
   * @example getIp: (c) => getConnInfo(c).remote.address ?? null   // any runtime's conninfo helper
   * @default {@link runtimeIp}: the peer address on @hono/node-server, Bun and Deno; null elsewhere
   */
  getIp?: ((c: Context) => string | null | undefined) | null
}

/**
 * The peer address where the runtime hands it to Hono as `c.env`: @hono/node-server (the
 * IncomingMessage), Bun (the server's requestIP) and Deno (the serve handler info). Null
 * elsewhere (workers: pass `getIp`, e.g. from the CF-Connecting-IP header you trust).
 */
export function runtimeIp(c: Context): string | null {
  const env = c.env as Record<string, unknown> | undefined
  if (typeof env !== 'object' || env === null) return null
  const node = (env.server ?? env) as { incoming?: { socket?: { remoteAddress?: unknown } } }
  const remote = node.incoming?.socket?.remoteAddress
  if (typeof remote === 'string') return remote
  const bun = env as { requestIP?: (request: Request) => { address?: unknown } | null }
  if (typeof bun.requestIP === 'function') {
    const address = bun.requestIP(c.req.raw)?.address
    if (typeof address === 'string') return address
  }
  const deno = env as { remoteAddr?: { hostname?: unknown } }
  const hostname = deno.remoteAddr?.hostname
  return typeof hostname === 'string' ? hostname : null
}

/**
 * The error Hono's error handling gets for a store failure: an HTTPException whose response is
 * the 503 with Retry-After (Hono's default onError sends it; yours can `err.getResponse()`),
 * with the store error as `cause`. Other errors pass as they are (Hono answers 500).
 */
function honoError(error: unknown): unknown {
  if (!isStoreFailure(error)) return error
  const reply = failureReply(error)
  return new HTTPException(503, {
    message: reply.body.trim(),
    cause: error,
    res: new Response(reply.body, { status: reply.status, headers: reply.headers }),
  })
}

/**
 * Hono middleware: loads the session into `c.get('session')`, runs the rest of the chain, and
 * commits after `await next()`, before the response is handed back: a redirect returned right
 * after a session write cannot reach the browser before the write is in the store.
 *
 * Store down at load, or a failed commit: an HTTPException(503) with `Retry-After: 5` is thrown
 * into Hono's error handling. A handler that throws is answered by Hono's `onError` as usual,
 * and its session is not committed: a failed request leaves no half-done data change.
 *
 * @example
 * const app = new Hono<{ Variables: SessionVariables<MyData> }>()
 * app.use(sessionMiddleware(sessions))
 */
export function sessionMiddleware<
  Data extends SessionData = Record<string, JsonValue>,
  Flash extends SessionData = Record<string, JsonValue>,
>(
  manager: SessionManager<Data, Flash>,
  options: HonoSessionOptions = {},
): MiddlewareHandler<SessionEnv<Data, Flash>> {
  assertManager(manager, 'app.use(sessionMiddleware(sessions))')
  const getIp = options.getIp ?? runtimeIp
  return async function sessionkit(c, next) {
    let session: Session<Data, Flash> | null
    try {
      // No await (and no microtask turn) when the store answered at once.
      const loaded = loadSessionNow(manager, c.req.raw, {
        trustProxy: options.trustProxy === true,
        getIp: () => getIp(c),
      })
      session = loaded instanceof Promise ? await loaded : loaded
    } catch (error) {
      report(options, error, { phase: 'load' })
      throw honoError(error)
    }
    c.set('session', session)
    await next()
    // Hono has already turned a handler's throw into c.error plus onError's response.
    if (session === null || c.error !== undefined) return
    let response: Response
    try {
      const committed = commitSessionNow(manager, session, c.res)
      response = committed instanceof Promise ? await committed : committed
    } catch (error) {
      report(options, error, { phase: 'commit' })
      // Without this, Hono would copy the handler's headers onto the 503.
      c.res = undefined
      throw honoError(error)
    }
    if (response !== c.res) {
      // Assigning over an existing c.res merges the old headers into the new response (and would
      // drop our Set-Cookie in favour of the old one); clearing first replaces it cleanly.
      c.res = undefined
      c.res = response
    }
    // After this turn's I/O where the runtime allows it (see after-io.ts).
    if (afterIo !== undefined) await afterIo()
  }
}
