/**
 * The HTTP client side of the adapter tests: Node's fetch with `redirect: 'manual'` and a
 * cookie jar kept by hand from `getSetCookie()`, as a browser would.
 */
import { hashId } from '../../src/core/ids.js'

/** One browser's cookies. */
export class CookieJar {
  readonly #cookies = new Map<string, string>()

  /** The Cookie header to send, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name)
  }

  set(name: string, value: string): void {
    this.#cookies.set(name, value)
  }

  /** Applies a response's Set-Cookie headers: an empty value or a past expiry removes. */
  update(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim())
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      const expires = attributes.find((a) => a.toLowerCase().startsWith('expires='))
      const maxAge = attributes.find((a) => a.toLowerCase().startsWith('max-age='))
      const expired =
        value === '' ||
        maxAge?.slice(8) === '0' ||
        (expires !== undefined && Date.parse(expires.slice(8)) <= Date.now())
      if (expired) this.#cookies.delete(name)
      else this.#cookies.set(name, value)
    }
  }
}

/** A browser: fetch with its own jar, never following redirects by itself. */
export class Browser {
  readonly jar = new CookieJar()
  readonly #base: string

  constructor(base: string) {
    this.#base = base
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    const cookie = this.jar.header()
    if (cookie !== undefined && !headers.has('cookie')) headers.set('cookie', cookie)
    const response = await fetch(new URL(path, this.#base), {
      ...init,
      headers,
      redirect: 'manual',
    })
    this.jar.update(response)
    return response
  }

  /** GET and parse the JSON body. */
  async json<T = SessionView>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.request(path, init)
    if (response.status !== 200) throw new Error(`${path}: status ${response.status}`)
    return (await response.json()) as T
  }
}

/** What the test app's `/get` route answers. */
export interface SessionView {
  data: Record<string, unknown>
  userId: string | null
  ip: string | null
  isNew: boolean
  degraded: boolean
}

/** The store key of a signed cookie or token value: SHA-256 of the ID before the signature. */
export function storeKeyOf(signed: string): string {
  return hashId(signed.slice(0, signed.lastIndexOf('.')))
}

/** The session ID inside a signed cookie or token value (what the auth-storage API takes). */
export function sessionIdOf(signed: string): string {
  return signed.slice(0, signed.lastIndexOf('.'))
}
