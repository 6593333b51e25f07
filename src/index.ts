/**
 * sessionkit: session management for TypeScript on Node.js.
 * @module
 */

export type {
  ConfigSources,
  CookieConfig,
  LoadConfigOptions,
  LoadedConfig,
  SessionkitConfig,
} from './config/index.js'
export { createFromConfig, loadConfig } from './config/index.js'
export type { CookieOptions } from './core/cookies.js'
export { COOKIE_DEFAULTS } from './core/cookies.js'
export type { Secret } from './core/crypto.js'
export * from './core/errors.js'
export type { SessionEventName, SessionEvents } from './core/events.js'
export { generateId, hashId, isValidStoreKey } from './core/ids.js'
export type { CreateSessionOptions, DeviceSession, LoadRequest } from './core/manager.js'
export { SessionManager } from './core/manager.js'
export type { SessionManagerOptions, SessionRequestInfo } from './core/options.js'
export { MANAGER_DEFAULTS } from './core/options.js'
export type { ChangeSet, DataKey, LoginOptions, SessionData } from './core/session.js'
export { Session } from './core/session.js'
export type {
  ByUserStore,
  JsonObject,
  JsonValue,
  KeyedRecord,
  RecordTimes,
  SessionMeta,
  SessionPatch,
  SessionRecord,
  Store,
  StoreCapabilities,
  TokenRecord,
} from './core/store.js'
export {
  assertPatch,
  assertRecord,
  assertStoreKey,
  assertTimes,
  assertToken,
} from './core/store-guards.js'
export type { Clock, Duration } from './core/time.js'
export { ManualClock, parseDuration, systemClock } from './core/time.js'
export * from './state/index.js'
export type { CookieStoreOptions } from './stores/cookie.js'
export { CookieStore } from './stores/cookie.js'
export { openStore } from './stores/open-store.js'
