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
import { promised } from '../core/policy.js'
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

/**
 * A plain node:http request listener. It never throws: every failure is answered (503, 500) or
 * reported through `onError`.
 */
export type NodeRequestListener = (req: IncomingMessage, res: ServerResponse) => void

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
  return promised(() => loadSessionNow(manager, req, options))
}

/** {@link loadSession}, without a promise where the manager needs none (it may throw). */
function loadSessionNow<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  req: IncomingMessage,
  options: NodeSessionOptions,
): Session<Data, Flash> | null | Promise<Session<Data, Flash>> {
  if (
    manager.options.skip !== null &&
    manager.shouldSkip(requestInfo(req.method ?? 'GET', req.url ?? '/', headerReader(req)))
  ) {
    return null
  }
  return manager.loadNow(
    new NodeLoadRequest(
      req.headers,
      manager.options.header,
      options.trustProxy === true,
      req,
      peerAddress,
    ),
  )
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
    // No async functions on this path: where the store answers at once (the memory store) and
    // the handler is synchronous, a request runs without a single promise, each of which would
    // cost it an allocation and microtask turns.
    return function sessionListener(req, res) {
      try {
        serve(manager, options, handler, req, res)
      } catch (error) {
        internalFailure(options, res, error)
      }
    }
  }
}

/** Only reachable through a bug of ours or a throwing socket: never a crash, never a hang. */
function internalFailure(options: NodeSessionOptions, res: ServerResponse, error: unknown): void {
  report(options, error, { phase: 'handler' })
  if (!res.writableEnded) res.destroy()
}

function loadFailed(options: NodeSessionOptions, res: ServerResponse, error: unknown): void {
  report(options, error, { phase: 'load' })
  sendReply(res, failureReply(error))
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { then?: unknown }).then === 'function')
  )
}

function serve<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  options: NodeSessionOptions,
  handler: NodeSessionHandler<Data, Flash>,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  let loaded: Session<Data, Flash> | null | Promise<Session<Data, Flash>>
  try {
    loaded = loadSessionNow(manager, req, options)
  } catch (error) {
    loadFailed(options, res, error)
    return
  }
  if (!(loaded instanceof Promise)) {
    serveSession(manager, options, handler, req, res, loaded)
    return
  }
  loaded
    .then(
      (session) => serveSession(manager, options, handler, req, res, session),
      (error: unknown) => loadFailed(options, res, error),
    )
    .then(undefined, (error: unknown) => internalFailure(options, res, error))
}

function serveSession<Data extends SessionData, Flash extends SessionData>(
  manager: SessionManager<Data, Flash>,
  options: NodeSessionOptions,
  handler: NodeSessionHandler<Data, Flash>,
  req: IncomingMessage,
  res: ServerResponse,
  session: Session<Data, Flash> | null,
): void {
  const target = req as SessionIncomingMessage<Data, Flash>
  target.session = session
  if (session === null) {
    runUnsessioned(handler, target, res, options)
    return
  }
  const request = new SessionedResponse(manager, options, session, res)
  let result: unknown
  try {
    result = handler(target, res)
  } catch (error) {
    request.handlerFailed(error)
    return
  }
  if (!isThenable(result)) {
    request.handlerDone()
    return
  }
  Promise.resolve(result)
    .then(
      () => request.handlerDone(),
      (error: unknown) => request.handlerFailed(error),
    )
    .then(undefined, (error: unknown) => internalFailure(options, res, error))
}

/** What runs once the commit is settled. */
type AfterCommit = 'nothing' | 'report late changes' | 'cut unfinished response'

/** One sessioned response: its gate, its commit (started once) and what follows that. */
class SessionedResponse<Data extends SessionData, Flash extends SessionData> {
  readonly #manager: SessionManager<Data, Flash>
  readonly #options: NodeSessionOptions
  readonly #session: Session<Data, Flash>
  readonly #res: ServerResponse
  readonly #gate: ResponseGate
  #commit: 'not started' | 'running' | 'done' | 'failed' = 'not started'
  #after: AfterCommit = 'nothing'

  constructor(
    manager: SessionManager<Data, Flash>,
    options: NodeSessionOptions,
    session: Session<Data, Flash>,
    res: ServerResponse,
  ) {
    this.#manager = manager
    this.#options = options
    this.#session = session
    this.#res = res
    this.#gate = new ResponseGate(res, () => this.commit())
  }

  /** Commits once, then releases the gate after this turn's I/O (or answers the failure). */
  commit(): void {
    if (this.#commit !== 'not started') return
    this.#commit = 'running'
    let headers: SessionHeaders | null | undefined
    try {
      // A read within touchAfter needs no store call, and so no promise.
      headers = commitHeadersNow(this.#manager, this.#session)
    } catch (error) {
      this.#failed(error)
      return
    }
    if (headers !== undefined) {
      this.#release(headers)
      return
    }
    commitHeaders(this.#manager, this.#session).then(
      (stored) => this.#release(stored),
      (error: unknown) => this.#failed(error),
    )
  }

  /** The handler returned (or resolved): hold what it wrote until the commit is done. */
  handlerDone(): void {
    this.#gate.hold()
    this.#settleWith('report late changes')
    this.commit()
  }

  /**
   * The handler threw (or rejected). Nothing written yet: a 500 instead, and no commit, so the
   * failed request leaves no half-done data change. Otherwise the app's response (and the
   * commit it started) stands, and an unfinished one is cut rather than left hanging.
   */
  handlerFailed(error: unknown): void {
    report(this.#options, error, { phase: 'handler' })
    if (!this.#gate.started) {
      this.#gate.fail(failureReply(error))
      return
    }
    this.#settleWith('cut unfinished response')
    this.commit()
  }

  #release(headers: SessionHeaders | null): void {
    releaseAfterIo(
      this.#gate,
      headers,
      (error) => report(this.#options, error, { phase: 'handler' }),
      () => this.#settled('done'),
    )
  }

  #failed(error: unknown): void {
    try {
      report(this.#options, error, { phase: 'commit' })
      this.#gate.fail(failureReply(error))
    } catch (failure) {
      internalFailure(this.#options, this.#res, failure)
    }
    this.#settled('failed')
  }

  /** Sets what follows the commit, running it at once when the commit is already settled. */
  #settleWith(after: AfterCommit): void {
    this.#after = after
    if (this.#commit === 'done' || this.#commit === 'failed') this.#runAfter()
  }

  #settled(outcome: 'done' | 'failed'): void {
    this.#commit = outcome
    try {
      this.#runAfter()
    } catch (error) {
      // It runs from a setImmediate: a throw there would take the process down.
      internalFailure(this.#options, this.#res, error)
    }
  }

  #runAfter(): void {
    const after = this.#after
    this.#after = 'nothing'
    if (after === 'report late changes') {
      if (this.#commit === 'done') reportLateChanges(this.#session, this.#options)
    } else if (after === 'cut unfinished response') {
      if (!this.#res.writableEnded) this.#res.destroy()
    }
  }
}

function runUnsessioned<Data extends SessionData, Flash extends SessionData>(
  handler: NodeSessionHandler<Data, Flash>,
  req: SessionIncomingMessage<Data, Flash>,
  res: ServerResponse,
  options: NodeSessionOptions,
): void {
  const failed = (error: unknown) => {
    report(options, error, { phase: 'handler' })
    sendReply(res, failureReply(error))
  }
  let result: unknown
  try {
    result = handler(req, res)
  } catch (error) {
    failed(error)
    return
  }
  if (isThenable(result)) {
    Promise.resolve(result)
      .then(undefined, failed)
      .then(undefined, (error: unknown) => internalFailure(options, res, error))
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
