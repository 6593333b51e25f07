/**
 * sessionkit for node:http: `IncomingMessage` / `ServerResponse`.
 *
 * @example
 * import { createServer } from 'node:http'
 * import { nodeSessions } from 'sessionkit/node'
 *
 * const withSession = nodeSessions(sessions)
 * createServer(withSession(async (req, res) => {
 *   req.session?.set('visits', (req.session.get('visits') ?? 0) + 1)
 *   res.end('hello')
 * })).listen(3000)
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SessionStateError } from '../core/errors.js'
import type { SessionManager } from '../core/manager.js'
import { isUnchanged, type Session, type SessionData, stateOf } from '../core/session.js'
import { applySessionHeaders, ResponseGate, releaseAfterIo, sendReply } from './node-gate.js'
import {
  type AdapterOptions,
  commitHeaders,
  commitHeadersNow,
  failureReply,
  type HeaderReader,
  NodeLoadRequest,
  report,
  requestInfo,
  type SessionHeaders,
} from './shared.js'

export type { AdapterOptions, ErrorContext } from './shared.js'
export { defaultOnError } from './shared.js'

/** Options of {@link nodeSessions} and {@link loadSession}. */
export interface NodeSessionOptions extends AdapterOptions {}

/** The request a handler gets: `session` is null for requests the `skip` matcher excludes. */
export type SessionIncomingMessage<
  Data extends SessionData = SessionData,
  Flash extends SessionData = SessionData,
> = IncomingMessage & { session: Session<Data, Flash> | null }

/** A node:http handler that gets the session on `req.session`. */
export type NodeSessionHandler<Data extends SessionData, Flash extends SessionData> = (
  req: SessionIncomingMessage<Data, Flash>,
  res: ServerResponse,
) => unknown

/** A plain node:http request listener. Its promise never rejects. */
export type NodeRequestListener = (req: IncomingMessage, res: ServerResponse) => Promise<void>

function headerReader(req: IncomingMessage): HeaderReader {
  return (name) => {
    const value = req.headers[name]
    return Array.isArray(value) ? value.join(', ') : value
  }
}

/**
 * The session of a request, or null when the manager's `skip` matcher excludes it (then no
 * store call is made). Throws StoreUnavailableError when the store is down and `failOpen` is
 * off. Most apps use {@link nodeSessions}, which also commits and answers failures.
 */
export function loadSession<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  req: IncomingMessage,
  options: NodeSessionOptions = {},
): Promise<Session<Data, Flash> | null> {
  // Not an async function, which would wrap the manager's promise in one more (two microtask
  // turns per request); a throw still comes back as a rejection.
  try {
    if (
      manager.options.skip !== null &&
      manager.shouldSkip(requestInfo(req.method ?? 'GET', req.url ?? '/', headerReader(req)))
    ) {
      return Promise.resolve(null)
    }
    return manager.load(
      new NodeLoadRequest(
        req.headers,
        manager.options.header,
        options.trustProxy === true,
        req,
        peerAddress,
      ),
    )
  } catch (error) {
    return Promise.reject(error)
  }
}

function peerAddress(req: IncomingMessage): string | undefined {
  return req.socket.remoteAddress
}

/**
 * Commits the session and puts Set-Cookie, `Cache-Control: no-store`, `Vary: Cookie` (and the
 * token header for API clients) on `res`. Call it before the first write: it throws
 * SessionStateError, without saving, when the headers are already sent, because a session
 * saved without its cookie reaching the client is a silent loss. Store failures propagate.
 */
export async function commitSession<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  session: Session<Data, Flash> | null,
  res: ServerResponse,
): Promise<void> {
  if (session === null) return
  const tooLate =
    'commitSession needs the response headers unsent; call it before writing the response'
  if (res.headersSent) throw new SessionStateError(tooLate)
  const headers = await commitHeaders(manager, session)
  if (headers === null) return
  if (res.headersSent) throw new SessionStateError(tooLate)
  applySessionHeaders(res, headers)
}

/**
 * Wraps a node:http handler: loads the session onto `req.session`, and commits it before the
 * response headers go out, so a redirect sent right after a session write cannot race the
 * write. Store down at load, or a failed commit: 503 with `Retry-After: 5` instead of the
 * handler's response. Handler error: 500 if nothing was sent yet, and the session is NOT
 * committed, so a failed request leaves no partial data change.
 *
 * @example
 * const withSession = nodeSessions(sessions, { trustProxy: true })
 * createServer(withSession(async (req, res) => { … }))
 */
export function nodeSessions<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  options: NodeSessionOptions = {},
): (handler: NodeSessionHandler<Data, Flash>) => NodeRequestListener {
  return function withSession(handler) {
    return async function sessionListener(req, res) {
      try {
        await serve(manager, options, handler, req, res)
      } catch (error) {
        // Only reachable through a bug of ours or a throwing socket; never an unhandled rejection.
        report(options, error, { phase: 'handler' })
        if (!res.writableEnded) res.destroy()
      }
    }
  }
}

async function serve<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  options: NodeSessionOptions,
  handler: NodeSessionHandler<Data, Flash>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const target = req as SessionIncomingMessage<Data, Flash>
  let session: Session<Data, Flash> | null
  try {
    session = await loadSession(manager, req, options)
  } catch (error) {
    report(options, error, { phase: 'load' })
    sendReply(res, failureReply(error))
    return
  }
  target.session = session
  if (session === null) {
    await runUnsessioned(handler, target, res, options)
    return
  }
  const current = session

  let committing: Promise<boolean> | undefined
  const commit = (): Promise<boolean> => {
    committing ??= commitAndRelease(manager, current, gate, options)
    return committing
  }
  const gate: ResponseGate = new ResponseGate(res, () => {
    void commit()
  })

  try {
    await handler(target, res)
  } catch (error) {
    report(options, error, { phase: 'handler' })
    if (!gate.started) {
      // Not committing is the point: the failed request leaves no half-done data change.
      gate.fail(failureReply(error))
      return
    }
    // The app had started answering, so its response (and the commit it triggered) stands;
    // an unfinished one is cut rather than left hanging.
    await commit()
    if (!res.writableEnded) res.destroy()
    return
  }
  gate.hold()
  if (await commit()) reportLateChanges(current, options)
}

async function commitAndRelease<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  session: Session<Data, Flash>,
  gate: ResponseGate,
  options: NodeSessionOptions,
): Promise<boolean> {
  let headers: SessionHeaders | null | undefined
  try {
    // A read within touchAfter needs no store call, and so no await.
    headers = commitHeadersNow(manager, session)
    if (headers === undefined) headers = await commitHeaders(manager, session)
  } catch (error) {
    report(options, error, { phase: 'commit' })
    gate.fail(failureReply(error))
    return false
  }
  await new Promise<void>((resolve) =>
    releaseAfterIo(gate, headers, (error) => report(options, error, { phase: 'handler' }), resolve),
  )
  return true
}

async function runUnsessioned<Data extends SessionData, Flash extends SessionData>(
  handler: NodeSessionHandler<Data, Flash>,
  req: SessionIncomingMessage<Data, Flash>,
  res: ServerResponse,
  options: NodeSessionOptions,
): Promise<void> {
  try {
    await handler(req, res)
  } catch (error) {
    report(options, error, { phase: 'handler' })
    sendReply(res, failureReply(error))
  }
}

/**
 * The session is committed once, before the first byte. A change made after that is not saved;
 * say so rather than lose it silently.
 */
function reportLateChanges<Data extends SessionData, Flash extends SessionData>(
  session: Session<Data, Flash>,
  options: NodeSessionOptions,
): void {
  // Most sessions are unchanged; telling so needs no change set.
  if (isUnchanged(stateOf(session))) return
  const { set, removed } = session.changes()
  if (Object.keys(set).length === 0 && removed.length === 0) return
  const message =
    'the session changed after the response had started and that change was not saved; finish session changes before writing the response'
  report(options, new SessionStateError(message), { phase: 'commit' })
}
