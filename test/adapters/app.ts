/**
 * A framework-neutral test app: the routes both adapter suites exercise. Each builder turns the
 * result into its own response (res.writeHead/res.end, or a Response).
 */
import type { Session } from '../../src/core/session.js'
import type { JsonValue } from '../../src/core/store.js'

export type TestData = Record<string, JsonValue>
export type TestSession = Session<TestData, TestData>

/** What a route answers. */
export interface AppResult {
  status: number
  headers?: Record<string, string>
  body: string
}

const json = (value: unknown): AppResult => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
})

/** The routes. Paths under /assets/ are skipped by the manager in the tests that configure it. */
export async function app(session: TestSession | null, url: URL): Promise<AppResult> {
  if (session === null) return { status: 200, body: 'no session' }
  switch (url.pathname) {
    case '/anon':
      return { status: 200, body: 'anon' }
    case '/set':
      for (const [key, value] of url.searchParams) session.set(key, value)
      return { status: 200, body: 'set' }
    case '/get':
      return json({
        data: Object.fromEntries(session.entries()),
        userId: session.userId,
        ip: session.ip,
        isNew: session.isNew,
        degraded: session.isDegraded,
      })
    case '/login':
      await session.login(url.searchParams.get('user') ?? 'user-1')
      return json({ userId: session.userId })
    case '/regenerate':
      await session.regenerate()
      return { status: 200, body: 'regenerated' }
    case '/flash':
      for (const [key, value] of url.searchParams) session.flash(key, value)
      return { status: 303, headers: { location: '/flash-read' }, body: '' }
    case '/flash-read':
      return json(session.flashes())
    case '/logout':
      await session.logout()
      return { status: 200, body: 'bye' }
    case '/write-redirect':
      for (const [key, value] of url.searchParams) session.set(key, value)
      return { status: 302, headers: { location: '/get' }, body: '' }
    case '/own-headers':
      session.set('theme', 'dark')
      return {
        status: 200,
        headers: { vary: 'Accept-Encoding', 'set-cookie': 'theme=dark; Path=/' },
        body: 'own',
      }
    case '/throw':
      session.set('half', 'done')
      throw new Error('the handler failed')
    default:
      return { status: 404, body: 'not found' }
  }
}
