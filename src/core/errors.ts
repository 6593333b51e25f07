/**
 * Every error sessionkit throws is a {@link SessionkitError} with a stable `code`.
 * Match on `code` or `instanceof`, never on message text. Messages never contain a
 * secret or a raw session ID.
 * @module
 */

export type SessionkitErrorCode =
  | 'SESSIONKIT_INVALID_CONFIG'
  | 'SESSIONKIT_STORE_UNAVAILABLE'
  | 'SESSIONKIT_STORE_ERROR'
  | 'SESSIONKIT_COOKIE_TOO_LARGE'
  | 'SESSIONKIT_MISSING_DEPENDENCY'
  | 'SESSIONKIT_CAPABILITY_UNSUPPORTED'
  | 'SESSIONKIT_INVALID_STORE_KEY'
  | 'SESSIONKIT_INVALID_SESSION_DATA'
  | 'SESSIONKIT_SESSION_STATE'

/** Base class of every sessionkit error. */
export class SessionkitError extends Error {
  readonly code: SessionkitErrorCode

  constructor(code: SessionkitErrorCode, message: string, options?: { cause?: unknown }) {
    super(`sessionkit: ${message}`, options)
    this.name = new.target.name
    this.code = code
  }
}

/** An option is missing, malformed or unsafe. Thrown at construction, naming the field. */
export class InvalidConfigError extends SessionkitError {
  readonly field: string

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super('SESSIONKIT_INVALID_CONFIG', `invalid option \`${field}\`: ${message}`, options)
    this.field = field
  }
}

/**
 * The store could not be reached or did not answer in time. The driver's error is in
 * `cause`. Adapters answer 503; the store recovers by itself when the engine is back.
 */
export class StoreUnavailableError extends SessionkitError {
  readonly store: string

  constructor(store: string, message: string, options?: { cause?: unknown }) {
    super('SESSIONKIT_STORE_UNAVAILABLE', `store ${store} is unavailable: ${message}`, options)
    this.store = store
  }
}

/** The store answered but the operation failed (corrupt record, constraint, disk full…). */
export class StoreError extends SessionkitError {
  readonly store: string

  constructor(store: string, message: string, options?: { cause?: unknown }) {
    super('SESSIONKIT_STORE_ERROR', `store ${store} failed: ${message}`, options)
    this.store = store
  }
}

/** A cookie would be larger than browsers accept; sending it would silently lose the session. */
export class CookieTooLargeError extends SessionkitError {
  readonly size: number
  readonly limit: number

  constructor(size: number, limit: number) {
    super(
      'SESSIONKIT_COOKIE_TOO_LARGE',
      `the session cookie would be ${size} bytes, over the limit of ${limit}; store less in the session or use a server-side store`,
    )
    this.size = size
    this.limit = limit
  }
}

/** An optional peer dependency (an engine driver) is not installed. */
export class MissingDependencyError extends SessionkitError {
  readonly packageName: string

  constructor(packageName: string, feature: string, options?: { cause?: unknown }) {
    super(
      'SESSIONKIT_MISSING_DEPENDENCY',
      `${feature} needs the package "${packageName}": run \`npm install ${packageName}\``,
      options,
    )
    this.packageName = packageName
  }
}

/** The store does not declare a capability the call needs (for example by-user listing). */
export class CapabilityUnsupportedError extends SessionkitError {
  readonly capability: string

  constructor(store: string, capability: string) {
    super(
      'SESSIONKIT_CAPABILITY_UNSUPPORTED',
      `store ${store} does not support ${capability}; choose a store that declares it (see docs/stores.md)`,
    )
    this.capability = capability
  }
}

/** A store was handed a key that is not a valid store key. */
export class InvalidStoreKeyError extends SessionkitError {
  constructor() {
    super('SESSIONKIT_INVALID_STORE_KEY', 'store keys must be 1 to 128 characters of [A-Za-z0-9_-]')
  }
}

/** A value given to the session cannot be stored as JSON. */
export class InvalidSessionDataError extends SessionkitError {
  constructor(key: string, message: string) {
    super('SESSIONKIT_INVALID_SESSION_DATA', `session key "${key}": ${message}`)
  }
}

/** The session was used after it was destroyed, or from another manager. */
export class SessionStateError extends SessionkitError {
  constructor(message: string) {
    super('SESSIONKIT_SESSION_STATE', message)
  }
}
