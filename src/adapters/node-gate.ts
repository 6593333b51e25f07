/**
 * Holds a ServerResponse's first bytes until the session is committed. node:http apps call
 * writeHead / write / end / flushHeaders synchronously, so the commit (which is async) cannot
 * simply run first: the gate queues those calls, lets the caller carry on, and replays them in
 * order once the Set-Cookie is on the response. That is what makes a redirect sent right after
 * a session write safe: the browser cannot follow it before the write is in the store.
 * @module
 */
import { type OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { type FailureReply, failureReply, mergeVary, type SessionHeaders } from './shared.js'

type Method = 'writeHead' | 'write' | 'end' | 'flushHeaders'
type Call = { method: Method; args: unknown[] }
type Original = (this: ServerResponse, ...args: unknown[]) => unknown

/**
 * open: nothing written yet. holding: queueing until the commit is done. passing: calls go
 * through (session headers re-applied on writeHead). discarding: our own reply replaced the
 * app's, so its later calls are swallowed instead of crashing with "write after end".
 */
type GateState = 'open' | 'holding' | 'passing' | 'discarding'

/**
 * Adds the session headers, keeping the app's own cookies and Vary fields. Idempotent. Each
 * method is looked up on `res` once: an Express response has a hidden class of its own (Express
 * swaps its prototype, then adds properties), so every `res.x` is a lookup no inline cache can
 * answer, about 0.2 µs each.
 */
export function applySessionHeaders(res: ServerResponse, headers: SessionHeaders): void {
  const { getHeader, setHeader } = res
  const current = getHeader.call(res, 'set-cookie')
  if (current === undefined) {
    // The usual case: the app set no cookie of its own. A copy: node's appendHeader would
    // push the app's later cookies into the very array it was given.
    if (headers.setCookie.length > 0) setHeader.call(res, 'set-cookie', headers.setCookie.slice())
  } else {
    const cookies = Array.isArray(current) ? current : [String(current)]
    const missing = headers.setCookie.filter((cookie) => !cookies.includes(cookie))
    if (missing.length > 0) setHeader.call(res, 'set-cookie', [...cookies, ...missing])
  }
  setHeader.call(res, 'cache-control', headers.cacheControl)
  const vary = getHeader.call(res, 'vary')
  setHeader.call(
    res,
    'vary',
    mergeVary(Array.isArray(vary) ? vary.join(', ') : vary?.toString(), headers.vary),
  )
  if (headers.token !== null) setHeader.call(res, headers.token.name, headers.token.value)
}

/** Sends a plain-text reply, with the given original methods when a gate is installed. */
export function sendReply(
  res: ServerResponse,
  reply: FailureReply,
  original: Pick<Record<Method, Original>, 'end' | 'writeHead'> = {
    end: res.end as Original,
    writeHead: res.writeHead as Original,
  },
): void {
  if (res.headersSent) {
    // Too late to change the status: cut the connection so the client sees a failure, not a
    // truncated response that looks complete.
    res.destroy()
    return
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  const headers = { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) }
  original.writeHead.call(res, reply.status, headers)
  original.end.call(res, reply.body)
}

/**
 * Where a gate puts its methods. `own`: on the response object itself. `shared`: once on the
 * response's shared prototype, with the gate found per response in a WeakMap. Express swaps
 * every response's prototype (its init middleware), and V8 then gives each property added to
 * that object a hidden class of its own: about 4 µs per property, plus the garbage, measured on
 * this path. `shared` falls back to `own` where it cannot apply (see sharedGateHost).
 */
export type GatePlacement = 'own' | 'shared'

const METHODS: readonly Method[] = ['writeHead', 'write', 'end', 'flushHeaders']
type HeaderMethod = 'setHeader' | 'appendHeader' | 'removeHeader'
/** Refused, as node refuses them, while an `end()` is held: the response is complete. */
const HEADER_METHODS: readonly HeaderMethod[] = ['setHeader', 'appendHeader', 'removeHeader']
type StateName = 'headersSent' | 'writableEnded'
const STATE_NAMES: readonly StateName[] = ['headersSent', 'writableEnded']
const SHARED_GATES = new WeakMap<ServerResponse, ResponseGate>()
/** Patched prototypes, each with the forwarders to what it inherits (node's methods, or a wrapper of them). */
const SHARED_HOSTS = new WeakMap<object, Record<Method, Original>>()

/** @internal For tests: whether a gate on the shared prototype still answers for `res`. */
export function hasSharedGate(res: ServerResponse): boolean {
  return SHARED_GATES.has(res)
}

/**
 * The prototype directly above ServerResponse.prototype in `res`'s chain (Express's `response`
 * object, shared by all of an Express copy's apps and sub-apps, so a mounted app that swaps the
 * prototype again keeps the gate), patched on first use; or null when the gate must go on the
 * response itself: a plain node response (own properties are cheap there), a response that
 * already has its own wrapper of one of the methods (compression, on-headers: wrapping that
 * keeps their order), a prototype that defines the methods itself or cannot be extended.
 */
function sharedGateHost(res: ServerResponse): Record<Method, Original> | null {
  for (const method of METHODS) if (Object.hasOwn(res, method)) return null
  if (SHARED_GATES.has(res)) return null
  let host: object | null = Object.getPrototypeOf(res) as object | null
  if (host === null || host === ServerResponse.prototype) return null
  for (;;) {
    const parent = Object.getPrototypeOf(host) as object | null
    if (parent === ServerResponse.prototype) break
    if (parent === null) return null
    host = parent
  }
  const known = SHARED_HOSTS.get(host)
  if (known !== undefined) return known
  if (!Object.isExtensible(host) || METHODS.some((method) => Object.hasOwn(host, method))) {
    return null
  }
  if (HEADER_METHODS.some((method) => Object.hasOwn(host, method))) return null
  if (STATE_NAMES.some((name) => Object.hasOwn(host, name))) return null
  const parent = ServerResponse.prototype as unknown as Record<Method, Original>
  // What the response would call without the gate, looked up at call time: an APM agent may
  // wrap ServerResponse.prototype's methods after this.
  const inherited = {} as Record<Method, Original>
  for (const method of METHODS) {
    inherited[method] = function (this: ServerResponse, ...args: unknown[]) {
      return parent[method].apply(this, args)
    }
    Object.defineProperty(host, method, {
      configurable: true,
      writable: true,
      enumerable: false,
      value: function gated(this: ServerResponse, ...args: unknown[]) {
        return ResponseGate.callShared(this, method, args)
      },
    })
  }
  const headers = ServerResponse.prototype as unknown as Record<HeaderMethod, Original>
  for (const method of HEADER_METHODS) {
    Object.defineProperty(host, method, {
      configurable: true,
      writable: true,
      enumerable: false,
      value: function guarded(this: ServerResponse, ...args: unknown[]) {
        SHARED_GATES.get(this)?.checkHeaderChange(method)
        return headers[method].apply(this, args)
      },
    })
  }
  for (const name of STATE_NAMES) {
    const real = nodeGetter(name)
    Object.defineProperty(host, name, {
      configurable: true,
      enumerable: false,
      get(this: ServerResponse) {
        return SHARED_GATES.get(this)?.queuedState(name) || real.call(this)
      },
    })
  }
  SHARED_HOSTS.set(host, inherited)
  return inherited
}

/** What node throws for a header change once the headers are out (ERR_HTTP_HEADERS_SENT). */
function headersSentError(method: HeaderMethod): Error {
  const verb = method === 'setHeader' ? 'set' : method === 'appendHeader' ? 'append' : 'remove'
  return Object.assign(new Error(`Cannot ${verb} headers after they are sent to the client`), {
    code: 'ERR_HTTP_HEADERS_SENT',
  })
}

/**
 * Releases `gate` with `headers` once the event loop has handled the I/O of its current turn
 * (setImmediate), not in the commit's own microtask nor in the app's `end()`: the responses to
 * the requests read in one turn go out together, after them, as express-session's MemoryStore
 * (which calls back through setImmediate) sends them, whether the commit needed a store call
 * or not. Written together, they wake the waiting clients about half as often, a cost that
 * over loopback falls on the sender's `writev`: less server CPU per read and per write (see
 * "Release after I/O" in bench/README.md). `onReplayError` gets what a replayed call threw
 * (see {@link ResponseGate.release}); `onReleased` runs once the gate is released.
 */
export function releaseAfterIo(
  gate: ResponseGate,
  headers: SessionHeaders | null,
  onReplayError: (error: unknown) => void,
  onReleased?: () => void,
): void {
  setImmediate(() => {
    try {
      const replayError = gate.release(headers)
      if (replayError !== undefined) onReplayError(replayError)
    } catch (error) {
      // Headers node refuses (a bad token header name): outside any promise here, a throw
      // would crash the process, and the held response would never go out.
      onReplayError(error)
      gate.fail(failureReply(error))
    }
    onReleased?.()
  })
}

/** The response gate of one request. See the module comment. */
export class ResponseGate {
  readonly #res: ServerResponse
  readonly #original: Record<Method, Original>
  readonly #onFirstWrite: () => void
  readonly #onLateEnd: (() => void) | undefined
  /** The first call was not `end`: the app could change the session between it and the end. */
  #endIsLate = false
  #state: GateState = 'open'
  #queue: Call[] = []
  #headers: SessionHeaders | null = null
  /** The accessors are only needed once a streamed response's first call is held (see #call). */
  #mirrored = false
  /** An `end` is in the queue: the response is complete, whatever the app calls next. */
  #endQueued = false
  /** The gate's methods sit on the shared prototype (which also guards the header methods). */
  #shared = false
  /** statusCode and statusMessage when the first call was queued: node had sent them then. */
  #status: [number, string] | undefined

  /**
   * Installs the gate on `res`; `onFirstWrite` starts the commit the first time the app writes.
   * It may call {@link release} before it returns (nothing to wait for): the write then goes
   * straight through. `onLateEnd` runs once the response has ended, when its first write was
   * not the end itself: the app may have changed the session in between.
   */
  constructor(
    res: ServerResponse,
    onFirstWrite: () => void,
    onLateEnd?: () => void,
    placement: GatePlacement = 'own',
  ) {
    this.#res = res
    this.#onFirstWrite = onFirstWrite
    this.#onLateEnd = onLateEnd
    const shared = placement === 'shared' ? sharedGateHost(res) : null
    if (shared !== null) {
      this.#original = shared
      this.#shared = true
      SHARED_GATES.set(res, this)
      return
    }
    // Own properties shadow the prototype; node's internals call this.writeHead too, which the
    // passing state forwards. Plain assignments, one by one: this runs on every request, and
    // defineProperty or a loop over names costs several times as much.
    this.#original = {
      writeHead: res.writeHead as Original,
      write: res.write as Original,
      end: res.end as Original,
      flushHeaders: res.flushHeaders as Original,
    }
    const gated = res as unknown as Record<Method, (...args: unknown[]) => unknown>
    gated.writeHead = (...args) => this.#call('writeHead', args)
    gated.write = (...args) => this.#call('write', args)
    gated.end = (...args) => this.#call('end', args)
    gated.flushHeaders = (...args) => this.#call('flushHeaders', args)
  }

  /**
   * A call made through a patched shared prototype (see {@link GatePlacement}): to the
   * response's gate, or straight to node's method for a response that has none.
   */
  static callShared(res: ServerResponse, method: Method, args: unknown[]): unknown {
    const gate = SHARED_GATES.get(res)
    if (gate !== undefined) return gate.#call(method, args)
    return (ServerResponse.prototype as unknown as Record<Method, Original>)[method].apply(
      res,
      args,
    )
  }

  /**
   * Throws node's ERR_HTTP_HEADERS_SENT while calls are queued: node would have sent the
   * headers with the first of them, and a change now would reach the replayed response only in
   * part (a Content-Length set after `end()` no longer matches the body).
   */
  checkHeaderChange(method: HeaderMethod): void {
    if (this.#state === 'holding' && this.#queue.length > 0) throw headersSentError(method)
  }

  /** headersSent or writableEnded as node would report them, while calls are queued. */
  queuedState(name: StateName): boolean {
    if (this.#state !== 'holding') return false
    return name === 'headersSent' ? this.#queue.length > 0 : this.#endQueued
  }

  /** The first call is queued: what node sent with it can no longer change. */
  #freeze(): void {
    const res = this.#res
    this.#status = [res.statusCode, res.statusMessage]
    if (this.#shared) return
    // Own properties, where the shared prototype cannot carry the guard (a plain node response:
    // cheap there; or a response another middleware wrapped first).
    const target = res as unknown as Record<HeaderMethod, Original>
    for (const method of HEADER_METHODS) {
      const original = target[method]
      target[method] = (...args: unknown[]) => {
        this.checkHeaderChange(method)
        return original.apply(res, args)
      }
    }
  }

  /**
   * While calls are queued, report what node would: headers sent after writeHead/write, ended
   * after end. Code such as `if (!res.headersSent) res.writeHead(500)` (error handlers) then
   * behaves as without the gate.
   */
  #mirrorQueuedState(): void {
    // The shared prototype reports the queued state itself (queuedState).
    if (this.#mirrored || this.#shared) return
    this.#mirrored = true
    const mirror = (name: StateName, queued: () => boolean) => {
      const real = inheritedGetter(this.#res, name)
      Object.defineProperty(this.#res, name, {
        configurable: true,
        get: () => (this.#state === 'holding' && queued()) || real(),
      })
    }
    mirror('headersSent', () => this.#queue.length > 0)
    mirror('writableEnded', () => this.#endQueued)
  }

  /** True once the app has started its response (or the commit was started another way). */
  get started(): boolean {
    return this.#state !== 'open'
  }

  /** Starts queueing without a write (the handler resolved first). */
  hold(): void {
    if (this.#state === 'open') this.#state = 'holding'
  }

  /**
   * The commit is done: put the headers on the response and replay the queued calls in order.
   * Returns what a replayed call threw (the app's mistake, e.g. an invalid header value, which
   * it would have got synchronously without the gate); the response is then answered with 500.
   */
  release(headers: SessionHeaders | null): unknown {
    if (this.#state === 'discarding') return undefined
    this.#headers = headers
    this.#state = 'passing'
    this.#restoreStatus()
    if (headers !== null && !this.#res.headersSent) applySessionHeaders(this.#res, headers)
    const queue = this.#queue
    this.#queue = []
    for (let index = 0; index < queue.length; index++) {
      const { method, args } = queue[index] as Call
      try {
        this.#pass(method, args)
      } catch (error) {
        this.#queue = queue.slice(index + 1)
        this.fail(failureReply(error))
        return error
      }
    }
    return undefined
  }

  /**
   * Replaces the app's response with `reply` (or cuts the connection if headers are out).
   * Queued and later calls are dropped; their callbacks still run so no caller waits forever.
   */
  fail(reply: FailureReply): void {
    const queue = this.#queue
    this.#queue = []
    this.#state = 'discarding'
    this.#restoreStatus()
    for (const call of queue) settleCallbacks(call.args)
    sendReply(this.#res, reply, this.#original)
  }

  /** Undoes a status change made while calls were queued (node had sent the status already). */
  #restoreStatus(): void {
    const status = this.#status
    if (status === undefined) return
    this.#status = undefined
    // Only what changed: node keeps both on ServerResponse.prototype, and an assignment, even of
    // the same value, adds an own property (a new hidden class for every response).
    const res = this.#res
    if (res.statusCode !== status[0]) res.statusCode = status[0]
    if (res.statusMessage !== status[1]) res.statusMessage = status[1]
  }

  #call(method: Method, args: unknown[]): unknown {
    switch (this.#state) {
      case 'passing':
        return this.#pass(method, args)
      case 'discarding':
        settleCallbacks(args)
        return method === 'write' ? true : method === 'flushHeaders' ? undefined : this.#res
      case 'open':
        this.#state = 'holding'
        this.#endIsLate = method !== 'end'
        this.#endQueued = method === 'end'
        this.#queue.push({ method, args })
        // The adapters release the gate after this turn's I/O (releaseAfterIo); a caller that
        // releases it from onFirstWrite itself lets the call through before this returns.
        this.#onFirstWrite()
        if (this.#state === 'holding') this.#freeze()
        // An accessor defined on the response object makes node's own http code run about half
        // as fast for that response (measured: 26k → 14k req/s on a bare server), so it is only
        // defined for streamed responses, whose app keeps writing and may look: once this turn
        // of the event loop is over without an end() (`res.writeHead(…).end(…)` needs none). A
        // response that began with end() is complete: nothing the app does next can change it.
        if (this.#state === 'holding' && !this.#endQueued) {
          queueMicrotask(() => {
            if (this.#state === 'holding' && !this.#endQueued) this.#mirrorQueuedState()
          })
        }
        break
      case 'holding':
        if (this.#endQueued) {
          // After end, node would refuse the call (write after end, headers already sent);
          // dropping it keeps the queued, complete response intact.
          settleCallbacks(args)
          return method === 'write' ? true : method === 'flushHeaders' ? undefined : this.#res
        }
        if (method === 'end') this.#endQueued = true
        else this.#mirrorQueuedState()
        this.#queue.push({ method, args })
        break
    }
    // Claim success while holding: the bytes are buffered here for the length of one commit,
    // and a false from write() would make a streaming caller wait for a 'drain' we never emit.
    return method === 'write' ? true : method === 'flushHeaders' ? undefined : this.#res
  }

  #pass(method: Method, args: unknown[]): unknown {
    // Once the end has gone through, the gate has nothing left to do, and node answers any later
    // call as it would without one. Letting go now matters: V8's young-generation GC treats a
    // WeakMap's values as strong (only a full GC honours the weak keys), so every gate still in
    // the map, with the session and request it reaches, would survive the next scavenge and be
    // copied to the old generation. Measured on an Express read: 40 % of its allocations
    // promoted with the entry kept, 27 % without; scavenge time per request halved.
    if (method === 'end' && this.#shared) SHARED_GATES.delete(this.#res)
    if (method === 'end' && this.#endIsLate && this.#onLateEnd !== undefined) {
      this.#endIsLate = false
      const result = this.#original.end.apply(this.#res, args)
      this.#onLateEnd()
      return result
    }
    if (method !== 'writeHead') return this.#original[method].apply(this.#res, args)
    // No session headers to keep (a read that sets no cookie): node applies the app's as it is.
    if (this.#headers === null) return this.#original.writeHead.apply(this.#res, args)
    const [status, second, third] = args
    const message = typeof second === 'string' ? second : undefined
    const headers = message === undefined ? second : third
    // Nothing can override the session headers (node's own implicit writeHead at end, for one):
    // they are on the response since release.
    if (headers === undefined || headers === null) {
      return this.#original.writeHead.apply(this.#res, args)
    }
    if (!applyHeaderArgument(this.#res, headers))
      return this.#original.writeHead.apply(this.#res, args)
    // writeHead's own headers override setHeader() values; ours must survive them.
    if (this.#headers !== null) applySessionHeaders(this.#res, this.#headers)
    const rest = message === undefined ? [status] : [status, message]
    return this.#original.writeHead.apply(this.#res, rest)
  }
}

/**
 * Applies writeHead's headers argument the way node does (an object sets, a flat
 * `[name, value, …]` array replaces then appends). False when it is not something we can
 * apply; the caller then hands the original arguments to node, which reports the mistake.
 */
function applyHeaderArgument(res: ServerResponse, headers: unknown): boolean {
  if (headers === undefined || headers === null) return true
  if (Array.isArray(headers)) {
    if (headers.length % 2 !== 0 || !headers.every((item) => typeof item === 'string')) return false
    const pairs: Array<[string, string]> = []
    for (let i = 0; i < headers.length; i += 2) pairs.push([headers[i] ?? '', headers[i + 1] ?? ''])
    for (const [name] of pairs) if (name) res.removeHeader(name)
    for (const [name, value] of pairs) if (name) res.appendHeader(name, value)
    return true
  }
  if (typeof headers !== 'object') return false
  for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) {
    if (name) res.setHeader(name, value as string | number | readonly string[])
  }
  return true
}

/** The getter `name` of res's prototype chain, bound to res. */
function inheritedGetter(res: ServerResponse, name: StateName): () => boolean {
  const getter = getterFrom(Object.getPrototypeOf(res) as object | null, name)
  return () => Boolean(getter.call(res))
}

/** Node's own getter `name` (found from ServerResponse.prototype up), unbound. */
function nodeGetter(name: StateName): (this: ServerResponse) => boolean {
  return getterFrom(ServerResponse.prototype, name)
}

/** The first getter `name` on the chain from `start` up, unbound; false without one. */
function getterFrom(start: object | null, name: StateName): (this: ServerResponse) => boolean {
  for (let proto = start; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    const getter = Object.getOwnPropertyDescriptor(proto, name)?.get
    if (getter) return getter as (this: ServerResponse) => boolean
  }
  return () => false
}

/** Calls the completion callbacks of a dropped write/end, as node would once it is done. */
function settleCallbacks(args: unknown[]): void {
  for (const arg of args) {
    if (typeof arg === 'function') process.nextTick(arg as () => void)
  }
}
