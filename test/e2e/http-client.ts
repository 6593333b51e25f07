/**
 * A cookie-carrying fetch client for the demo: one instance is one device. Cookies are kept by
 * hand (Node's fetch has no jar), which also shows exactly what a browser would send.
 * @module
 */

export class Device {
  readonly #base: string
  readonly #userAgent: string
  readonly #cookies = new Map<string, string>()

  constructor(base: string, userAgent = 'sessionkit-e2e/1.0 (node fetch)') {
    this.#base = base
    this.#userAgent = userAgent
  }

  /** The cookie names this device holds. */
  cookieNames(): string[] {
    return [...this.#cookies.keys()]
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    headers.set('user-agent', this.#userAgent)
    const cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    if (cookie) headers.set('cookie', cookie)
    const response = await fetch(new URL(path, this.#base), {
      ...init,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    })
    for (const line of response.headers.getSetCookie()) this.#keep(line)
    return response
  }

  async get(path: string): Promise<{ response: Response; body: string }> {
    const response = await this.request(path)
    return { response, body: await response.text() }
  }

  async post(
    path: string,
    fields: Record<string, string>,
  ): Promise<{ response: Response; body: string }> {
    const response = await this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    })
    return { response, body: await response.text() }
  }

  /** The _csrf hidden field of the page at `path`. */
  async csrf(path = '/'): Promise<string> {
    const { body } = await this.get(path)
    const token = csrfFrom(body)
    if (token === null) throw new Error(`no _csrf field on ${path}`)
    return token
  }

  async session(): Promise<{ userId: string | null; expiresAt: string | null; keys: string[] }> {
    const response = await this.request('/api/session')
    return (await response.json()) as {
      userId: string | null
      expiresAt: string | null
      keys: string[]
    }
  }

  /** Signs in through the login form; returns the POST's response. */
  async signIn(username: string, password: string): Promise<Response> {
    const _csrf = await this.csrf('/login')
    const { response } = await this.post('/login', { _csrf, username, password })
    return response
  }

  #keep(line: string): void {
    const [pair = '', ...attributes] = line.split(';')
    const eq = pair.indexOf('=')
    if (eq <= 0) return
    const name = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    const expires = attributes
      .map((attribute) => attribute.trim())
      .find((attribute) => attribute.toLowerCase().startsWith('expires='))
    const maxAge = attributes
      .map((attribute) => attribute.trim())
      .find((attribute) => attribute.toLowerCase().startsWith('max-age='))
    const expired =
      value === '' ||
      (maxAge !== undefined && Number(maxAge.slice('max-age='.length)) <= 0) ||
      (expires !== undefined && Date.parse(expires.slice('expires='.length)) <= Date.now())
    if (expired) this.#cookies.delete(name)
    else this.#cookies.set(name, value)
  }
}

/** The value of the first `name="_csrf"` hidden field in a page, or null. */
export function csrfFrom(html: string): string | null {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? null
}
