/**
 * `req.sessionID` and `req.sessionStore` without adding properties to `req`. Express swaps every
 * request's prototype (its init middleware), and V8 then gives each property added to that
 * object a hidden class of its own: about 4 µs per property on every request, plus the garbage.
 * So the two fields are accessors on Express's shared `request` prototype, kept per request in
 * a WeakMap; assigning them (the middleware, an app, another session library) goes through the
 * setter. `req.session` stays an own property: `delete req.session` must unset it, as
 * express-session's `unset` option documents, and no accessor can see a delete.
 * @module
 */
import { IncomingMessage } from 'node:http'

const NAMES = ['sessionID', 'sessionStore'] as const
type Name = (typeof NAMES)[number]
type Fields = Partial<Record<Name, unknown>>

const FIELDS = new WeakMap<object, Fields>()
const INSTALLED = new WeakSet<object>()

/**
 * The prototype directly above IncomingMessage.prototype in `req`'s chain (Express's `request`
 * object, which every app and sub-app of that Express copy inherits from), or null for a plain
 * node request, whose own properties are cheap.
 */
function sharedPrototypeOf(req: object): object | null {
  let host = Object.getPrototypeOf(req) as object | null
  if (host === null || host === IncomingMessage.prototype) return null
  for (;;) {
    const parent = Object.getPrototypeOf(host) as object | null
    if (parent === IncomingMessage.prototype) return host
    if (parent === null) return null
    host = parent
  }
}

function install(host: object): void {
  for (const name of NAMES) {
    Object.defineProperty(host, name, {
      configurable: true,
      enumerable: false,
      get(this: object): unknown {
        return FIELDS.get(this)?.[name]
      },
      set(this: object, value: unknown) {
        let fields = FIELDS.get(this)
        if (fields === undefined) {
          // One shape for every request's fields (a computed key would build a slow object).
          fields = { sessionID: undefined, sessionStore: undefined }
          FIELDS.set(this, fields)
        }
        fields[name] = value
      },
    })
  }
}

let lastPrototype: object | null = null

/**
 * Makes `req.sessionID = …` and `req.sessionStore = …` cheap for this request's kind, where it
 * can: on Express's shared request prototype, once. Elsewhere (a plain node request, a
 * prototype that has the fields or cannot be extended) the assignments stay plain properties.
 */
export function prepareSessionFields(req: object): void {
  const prototype = Object.getPrototypeOf(req) as object | null
  if (prototype === lastPrototype) return
  const host = sharedPrototypeOf(req)
  if (host !== null && !INSTALLED.has(host)) {
    if (!Object.isExtensible(host) || NAMES.some((name) => Object.hasOwn(host, name))) return
    install(host)
    INSTALLED.add(host)
  }
  lastPrototype = prototype
}
