/**
 * The demo's settings, all optional so `npm start` works from a fresh clone:
 *
 * | variable                | default                      |
 * | ----------------------- | ---------------------------- |
 * | `PORT`                  | 3000                         |
 * | `SESSIONKIT_STORE`      | `sqlite:./data/sessions.db`  |
 * | `SESSION_SECRET`        | a dev secret kept in ./data/dev-secret |
 * | `DEMO_SECURE_COOKIES`   | off: set to 1 when the demo is reached over https |
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'

export const DEFAULT_STORE = 'sqlite:./data/sessions.db'
const DEV_SECRET_FILE = 'data/dev-secret'

export interface DemoSettings {
  port: number
  storeUrl: string
  secret: string
  /**
   * Off by default, unlike the library: the demo serves plain http, where Secure protects
   * nothing, and only some clients keep a Secure cookie from http://localhost (Chromium and
   * curl do; Python's http.cookiejar, under `requests`, never sends one over http; no browser
   * keeps one from a LAN address). DEMO_SECURE_COOKIES=1 restores the library's default, a
   * Secure `__Host-sid` cookie, for a demo served over https (or tried on localhost).
   */
  secureCookies: boolean
}

/** A bad setting, reported as one line without a stack. */
export class SettingsError extends Error {}

function readPort(value: string | undefined): number {
  if (value === undefined || value === '') return 3000
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new SettingsError(`PORT must be a port number (0 to 65535), not "${value}"`)
  }
  return port
}

/** SESSION_SECRET, else a secret kept across restarts so local sessions survive them. */
function readSecret(value: string | undefined): string {
  if (value) return value
  // Never use this in production: it sits next to the data it protects.
  mkdirSync('data', { recursive: true })
  try {
    const secret = readFileSync(DEV_SECRET_FILE, 'utf8').trim()
    if (secret) return secret
  } catch {
    // No secret yet: make one below.
  }
  const secret = randomBytes(32).toString('base64url')
  writeFileSync(DEV_SECRET_FILE, secret, { mode: 0o600 })
  return secret
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): DemoSettings {
  const flag = env.DEMO_SECURE_COOKIES
  return {
    port: readPort(env.PORT),
    storeUrl: env.SESSIONKIT_STORE || DEFAULT_STORE,
    secret: readSecret(env.SESSION_SECRET),
    secureCookies: flag === '1' || flag === 'true',
  }
}

/** A store URL fit for a log line: no password. */
export function redactStoreUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//***@')
}
