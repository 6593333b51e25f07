/**
 * Sessions outside a request: what express-session's `Store#load(sid, cb)` and
 * `Store#createSession(req, sess)` hand out (socket.io integrations read a session by ID this
 * way). They work through the store's callback API: save writes the changed keys, destroy and
 * reload work; regenerate, login and logout need the middleware's request and are refused.
 * @module
 */
import { CallbackBackend } from './callback-backend.js'
import { Cookie } from './cookie.js'
import {
  createSession,
  internalsOf,
  type Session,
  type SessionHost,
  snapshotOf,
} from './session.js'
import type { CallbackStore } from './store.js'
import { COOKIE_KEY, splitFlashes } from './tracking.js'

const NO_REQUEST = { ip: null, userAgent: null }

function needsRequest(): Promise<never> {
  return Promise.reject(
    new Error('sessionkit/express: regenerate, login and logout work on req.session only'),
  )
}

const host: SessionHost = {
  async save(session) {
    const saved = await internalsOf(session).entry.save(snapshotOf(session), session.cookie)
    if (!saved) throw new Error('sessionkit/express: the session no longer exists')
  },
  async destroy(session) {
    await internalsOf(session).entry.destroy()
  },
  async reload(session) {
    const loaded = await internalsOf(session).entry.reload()
    if (loaded === null) throw new Error('failed to load session')
    const { data, flashes } = splitFlashes(loaded.data)
    for (const key of Object.keys(session)) {
      if (key !== COOKIE_KEY) Reflect.deleteProperty(session, key)
    }
    for (const [key, value] of Object.entries(data)) {
      Object.defineProperty(session, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    const pending = internalsOf(session).flashes
    pending.clear()
    for (const [key, value] of flashes) pending.set(key, value)
  },
  regenerate: needsRequest,
  login: needsRequest,
  logout: needsRequest,
  // Outside a request nothing commits: touch() only resets the cookie's maxAge.
  touched() {},
}

/** A Session for `stored` (a session as the store returned it) under `sid`, bound to `store`. */
export function detachedSession(store: CallbackStore, sid: string, stored: object): Session {
  const loaded = new CallbackBackend(store).adopt(
    sid,
    stored as Record<string, unknown>,
    NO_REQUEST,
  )
  const { data, flashes } = splitFlashes(loaded.data)
  const cookie = new Cookie(loaded.cookie ?? {})
  return createSession({ host, entry: loaded.entry, data, flashes, cookie })
}
