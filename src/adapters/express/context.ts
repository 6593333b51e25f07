/**
 * One request's session, run by express-session's rules: when a session counts as modified,
 * when it is saved or only touched, when the cookie is sent, what regenerate, destroy, reload
 * and save do, and what unsetting `req.session` does. The differences are sessionkit's: saves
 * write only what changed, a session destroyed meanwhile is not written back, the commit
 * happens before the response's first byte, and a destroyed session's cookie is cleared.
 * @module
 */
import type { Request } from 'express'
import { InvalidSessionDataError, SessionkitError, StoreError } from '../../core/errors.js'
import { mapRejection } from '../../core/policy.js'
import type { LoginOptions } from '../../core/session.js'
import type { JsonValue } from '../../core/store.js'
import { report, type SessionHeaders } from '../shared.js'
import type { Backend, Entry, RequestMeta } from './backend.js'
import { Cookie, type CookieOptions } from './cookie.js'
import type { ResolvedOptions } from './options.js'
import { isSecure } from './secure.js'
import { createSession, internalsOf, Session, type SessionHost, snapshotOf } from './session.js'
import { clearingSetCookie, type ExpressSecret, sessionSetCookie } from './signature.js'
import { type Snapshot, sameSnapshot, splitFlashes } from './tracking.js'

/** What a request context starts from. */
export interface ContextInit {
  req: Request
  options: ResolvedOptions
  backend: Backend
  /** The secrets for this request: the `secret` option's, or cookie-parser's `req.secret`. */
  secrets: readonly ExpressSecret[]
  /** The session ID the request's cookie carries, verified; undefined when none. */
  cookieId: string | undefined
  /** True when the request carries a cookie under the session cookie's name, valid or not. */
  carried: boolean
  /** The cookie's signed value when the first secret made it (reused for the same ID). */
  signed?: string | undefined
  cookieOptions: CookieOptions
}

/**
 * The request's IP and User-Agent, read when first asked for: only a new session records them,
 * and Express's `req.ip` (proxy-addr) is not free on every request that loads one.
 */
class RequestMetaOf implements RequestMeta {
  readonly #req: Request
  #ip: string | null | undefined

  constructor(req: Request) {
    this.#req = req
  }

  get ip(): string | null {
    this.#ip ??= this.#req.ip ?? this.#req.socket?.remoteAddress ?? null
    return this.#ip
  }

  get userAgent(): string | null {
    return this.#req.headers['user-agent'] ?? null
  }
}

/**
 * A store call made by the commit. A callback store's own error becomes a StoreError, which
 * the middleware answers with 503 and Retry-After, as it answers sessionkit stores' failures.
 * A throw comes back as a rejection too.
 */
function storeCall<T>(run: () => Promise<T>): Promise<T> {
  return mapRejection(run, asCommitError)
}

function asCommitError(error: unknown): SessionkitError {
  if (error instanceof SessionkitError) return error
  return new StoreError('session', 'the session store failed at the end of the request', {
    cause: error,
  })
}

/** What a commit does: nothing more to do, or the store call it needs. */
type StorePlan =
  | { kind: 'unset' }
  | { kind: 'save' | 'touch'; session: Session; snapshot: Snapshot; setCookie: boolean }
type CommitPlan = StorePlan | { kind: 'done'; headers: SessionHeaders | null }

/** Never changed: the headers' consumers read it (mergeVary) and copy it. */
const VARY_COOKIE: readonly string[] = Object.freeze(['Cookie'])

function headersFor(cookies: string[]): SessionHeaders | null {
  if (cookies.length === 0) return null
  return { setCookie: cookies, cacheControl: 'no-store', vary: VARY_COOKIE, token: null }
}

/** Until start() has loaded the session; never changed (snapshots are replaced, not edited). */
const NO_SNAPSHOT: Snapshot = new Map()

/** See the module comment. */
export class RequestContext implements SessionHost {
  readonly #req: Request
  readonly #options: ResolvedOptions
  readonly #backend: Backend
  readonly #secrets: readonly ExpressSecret[]
  readonly #cookieId: string | undefined
  readonly #carried: boolean
  readonly #signed: string | undefined
  readonly #cookieOptions: CookieOptions
  readonly #meta: RequestMeta
  /** The session this context last put on req.session; undefined after destroy. */
  #current: Session | undefined
  // express-session's originalId/originalHash and savedHash, as snapshots.
  #originalId: string | undefined
  #originalSnapshot: Snapshot = NO_SNAPSHOT
  #savedId: string | undefined
  #savedSnapshot: Snapshot | undefined
  #touched = false
  /** A save found the stored session gone: nothing more is written, the cookie is cleared. */
  #lost = false
  /** The browser's cookie names a session that no longer exists (destroy, logout, unset). */
  #clearPending = false
  #committed = false
  #cookieSent = false
  /** The store call commitNow left to commitLater. */
  #pending: StorePlan | undefined

  constructor(init: ContextInit) {
    this.#req = init.req
    this.#options = init.options
    this.#backend = init.backend
    this.#secrets = init.secrets
    this.#cookieId = init.cookieId
    this.#carried = init.carried
    this.#signed = init.signed
    this.#cookieOptions = init.cookieOptions
    this.#meta = new RequestMetaOf(init.req)
  }

  /** Loads the session the cookie names, or makes a new one; then `req.session` is set. */
  async start(): Promise<void> {
    const loaded =
      this.#cookieId === undefined ? null : await this.#backend.load(this.#cookieId, this.#meta)
    if (loaded === null) {
      const entry = await this.#backend.create(this.#meta, this.#newSid())
      this.#install(entry, {}, new Map(), this.#newCookie())
    } else {
      const { data, flashes } = splitFlashes(loaded.data)
      const cookie = loaded.cookie === null ? this.#newCookie() : new Cookie(loaded.cookie)
      this.#install(loaded.entry, data, flashes, cookie)
    }
    const session = this.#current as Session
    this.#originalId = session.id
    this.#originalSnapshot = loaded?.snapshot ?? snapshotOf(session)
    if (loaded !== null && !this.#options.resave) {
      this.#savedId = session.id
      this.#savedSnapshot = this.#originalSnapshot
    }
  }

  #newSid(): string | undefined {
    const genid = this.#options.genid
    if (genid === null) return undefined
    const sid = genid(this.#req)
    if (typeof sid !== 'string' || sid === '') {
      throw new TypeError('genid must return a non-empty string')
    }
    return sid
  }

  /** A cookie from the options, with `'auto'` settled for this connection as express-session does. */
  #newCookie(): Cookie {
    const cookie = new Cookie(this.#cookieOptions)
    const secure = isSecure(this.#req, this.#options.proxy)
    if (this.#cookieOptions.secure === 'auto') cookie.secure = secure
    if (this.#cookieOptions.sameSite === 'auto') cookie.sameSite = secure ? 'none' : 'lax'
    return cookie
  }

  #install(
    entry: Entry,
    data: Record<string, JsonValue>,
    flashes: Map<string, JsonValue>,
    cookie: Cookie,
  ): Session {
    const session = createSession({ host: this, entry, data, flashes, cookie })
    this.#current = session
    this.#req.session = session
    this.#req.sessionID = entry.sid
    return session
  }

  /** What is on req.session now: the app may have replaced, deleted or nulled it. */
  #onRequest(): Session | undefined {
    const value: unknown = (this.#req as { session?: unknown }).session
    return value instanceof Session ? value : undefined
  }

  // The predicates take the snapshot of the session, taken once per decision.

  #isModified(session: Session, snapshot: Snapshot): boolean {
    return this.#originalId !== session.id || !sameSnapshot(this.#originalSnapshot, snapshot)
  }

  #isSaved(session: Session, snapshot: Snapshot): boolean {
    return (
      this.#savedSnapshot !== undefined &&
      this.#savedId === session.id &&
      sameSnapshot(this.#savedSnapshot, snapshot)
    )
  }

  #shouldSave(session: Session, snapshot: Snapshot): boolean {
    return !this.#options.saveUninitialized &&
      this.#savedSnapshot === undefined &&
      this.#cookieId !== session.id
      ? this.#isModified(session, snapshot)
      : !this.#isSaved(session, snapshot)
  }

  #shouldTouch(session: Session, snapshot: Snapshot): boolean {
    return this.#cookieId === session.id && !this.#shouldSave(session, snapshot)
  }

  #shouldSetCookie(session: Session, snapshot: Snapshot): boolean {
    return this.#cookieId !== session.id
      ? this.#options.saveUninitialized || this.#isModified(session, snapshot)
      : this.#options.rolling ||
          (session.cookie.expires !== null && this.#isModified(session, snapshot))
  }

  #save(session: Session, snapshot: Snapshot = snapshotOf(session)): Promise<boolean> {
    return internalsOf(session)
      .entry.save(snapshot, session.cookie)
      .then((saved) => {
        if (saved) {
          this.#savedId = session.id
          this.#savedSnapshot = snapshot
        } else {
          this.#lost = true
        }
        return saved
      })
  }

  #clearingCookie(session: Session | undefined): string {
    const { expires: _, ...attributes } = (session?.cookie ?? this.#newCookie()).data
    return clearingSetCookie(this.#options.name, attributes)
  }

  /**
   * Saves or touches the session as express-session would at the end of the request, and
   * returns the headers to send. Runs before the response's first byte goes out.
   */
  async commit(): Promise<SessionHeaders | null> {
    const plan = this.#plan()
    return plan.kind === 'done' ? plan.headers : this.#commitWithStore(plan)
  }

  /**
   * The commit when it needs no store call (a read that changed nothing, within touchAfter),
   * or undefined when it does: then {@link commitLater} is the way. Spares a read the promise
   * chain of a store call.
   */
  commitNow(): SessionHeaders | null | undefined {
    const plan = this.#plan()
    if (plan.kind === 'done') return plan.headers
    this.#pending = plan
    return undefined
  }

  /** The commit {@link commitNow} could not finish. */
  commitLater(): Promise<SessionHeaders | null> {
    try {
      const plan = this.#pending ?? this.#plan()
      this.#pending = undefined
      return plan.kind === 'done' ? Promise.resolve(plan.headers) : this.#commitWithStore(plan)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** What the commit has to do, decided without any store call. */
  #plan(): CommitPlan {
    this.#committed = true
    // express-session: "cannot set cookie without a session ID" (an app may overwrite req.sessionID).
    if (typeof (this.#req as { sessionID?: unknown }).sessionID !== 'string') {
      return { kind: 'done', headers: null }
    }
    const session = this.#onRequest()
    if (session === undefined) return { kind: 'unset' }
    if (!this.#touched) {
      session.touch()
      this.#touched = true
    }
    // Taken outside the store calls: a session JSON cannot carry is the app's error (500), not the store's.
    const snapshot = snapshotOf(session)
    // Decided before saving: "modified" is measured against what the request started with.
    const setCookie = this.#shouldSetCookie(session, snapshot)
    if (this.#lost) return { kind: 'done', headers: this.#headersAfter(session, false, setCookie) }
    if (this.#shouldSave(session, snapshot)) return { kind: 'save', session, snapshot, setCookie }
    if (
      this.#shouldTouch(session, snapshot) &&
      internalsOf(session).entry.touchWrites(snapshot, session.cookie)
    ) {
      return { kind: 'touch', session, snapshot, setCookie }
    }
    return { kind: 'done', headers: this.#headersAfter(session, true, setCookie) }
  }

  #commitWithStore(plan: StorePlan): Promise<SessionHeaders | null> {
    if (plan.kind === 'unset') return storeCall(() => this.#commitUnset()).then(headersFor)
    const { session, snapshot, setCookie } = plan
    if (plan.kind === 'save') {
      // A write, on every request that changes the session: a then, not another async layer.
      return storeCall(() => this.#save(session, snapshot)).then((alive) =>
        this.#headersAfter(session, alive, setCookie),
      )
    }
    return this.#touchWithStore(session, snapshot, setCookie)
  }

  async #touchWithStore(
    session: Session,
    snapshot: Snapshot,
    setCookie: boolean,
  ): Promise<SessionHeaders | null> {
    let alive: boolean
    try {
      alive = await storeCall(() => internalsOf(session).entry.touch(snapshot, session.cookie))
    } catch (error) {
      // A touch only moves the expiry: nothing the request changed is lost if it fails, so the
      // response goes out as planned (express-session passes the error on too) and the error
      // goes to onError.
      report(this.#options, error, { phase: 'commit' })
      alive = true
    }
    if (!alive) this.#lost = true
    return this.#headersAfter(session, alive, setCookie)
  }

  /** The cookie to send once the session is saved (or found gone: `alive` false). */
  #headersAfter(session: Session, alive: boolean, setCookie: boolean): SessionHeaders | null {
    if (!alive) return headersFor(this.#carried ? [this.#clearingCookie(session)] : [])
    const secureOnly = session.cookie.secure === true
    if (setCookie && !(secureOnly && !isSecure(this.#req, this.#options.proxy))) {
      this.#cookieSent = true
      const [secret] = this.#secrets
      return headersFor([
        sessionSetCookie(
          this.#options.name,
          session.id,
          secret ?? '',
          // Its originalMaxAge is no attribute: the template leaves it out.
          session.cookie.data,
          session.id === this.#cookieId ? this.#signed : undefined,
        ),
      ])
    }
    const clear = this.#clearPending && this.#carried && this.#cookieId !== session.id
    return clear ? headersFor([this.#clearingCookie(session)]) : null
  }

  /** req.session was deleted or nulled: `unset: 'destroy'` deletes it from the store. */
  async #commitUnset(): Promise<string[]> {
    const current = this.#current
    if (current !== undefined && this.#options.unsetDestroy) {
      this.#current = undefined
      this.#clearPending = true
      await internalsOf(current).entry.destroy()
    }
    return this.#clearPending && this.#carried ? [this.#clearingCookie(current)] : []
  }

  /**
   * After the response: express-session saves at `res.end`, after the headers of a streamed
   * response went out. A change made after the first write is saved here (its cookie, if it
   * needed one, has already been decided).
   */
  async afterResponse(): Promise<void> {
    const session = this.#onRequest()
    if (!this.#committed || this.#lost || session === undefined || session !== this.#current) return
    if (this.#cookieId !== session.id && !this.#cookieSent) return
    const snapshot = snapshotOf(session)
    if (this.#shouldSave(session, snapshot)) await this.#save(session, snapshot)
  }

  // SessionHost: what req.session's methods do.

  touched(session: Session): void {
    // The middleware's own touch() comes at the commit; only the app's, before it, forces one.
    if (!this.#committed) internalsOf(session).entry.refresh()
  }

  async save(session: Session): Promise<void> {
    // A session that was destroyed or replaced is not written back under its old ID.
    if (this.#lost || session !== this.#current) return
    await this.#save(session)
  }

  async regenerate(session: Session): Promise<void> {
    await internalsOf(session).entry.destroy()
    const entry = await this.#backend.create(this.#meta, this.#newSid())
    this.#install(entry, {}, new Map(), this.#newCookie())
  }

  async destroy(session: Session): Promise<void> {
    // Unset before the store call, as express-session does: the callback sees no session.
    Reflect.deleteProperty(this.#req, 'session')
    if (session === this.#current) this.#current = undefined
    this.#clearPending = true
    await internalsOf(session).entry.destroy()
  }

  async reload(session: Session): Promise<void> {
    const loaded = await internalsOf(session).entry.reload()
    if (loaded === null) throw new Error('failed to load session')
    const { data, flashes } = splitFlashes(loaded.data)
    // "Re-loads the session data without altering the maxAge properties."
    this.#install(loaded.entry, data, flashes, session.cookie)
  }

  async login(session: Session, userId: string, options: LoginOptions): Promise<void> {
    if (typeof userId !== 'string' || userId.length === 0) {
      throw new InvalidSessionDataError('userId', 'login needs a non-empty user ID string')
    }
    const entry = internalsOf(session).entry
    const snapshot = snapshotOf(session)
    await entry.login(userId, options, snapshot, session.cookie, this.#newSid())
    if (session === this.#current) this.#req.sessionID = entry.sid
    this.#savedId = entry.sid
    this.#savedSnapshot = snapshot
  }

  async logout(session: Session): Promise<void> {
    await internalsOf(session).entry.destroy()
    const entry = await this.#backend.create(this.#meta, this.#newSid())
    const fresh = this.#install(entry, {}, new Map(), this.#newCookie())
    // A new visitor's session from here on: saved only if saveUninitialized or something is set.
    this.#originalId = fresh.id
    this.#originalSnapshot = snapshotOf(fresh)
    this.#savedId = undefined
    this.#savedSnapshot = undefined
    this.#clearPending = true
  }
}
