/**
 * The demo app (`npm start`): a small shop with sign-in, a profile, a cart kept in the session,
 * flash messages and a devices page, on node:http and sessionkit/node. Serves on PORT (default
 * 3000) with sessions in SQLite at ./data/sessions.db, or in SESSIONKIT_STORE. See settings.ts
 * for every variable it reads.
 */
import { createServer } from 'node:http'
import { SessionkitError } from '../src/index.js'
import { createApp } from './app.js'
import { createSessions, SESSION_POLICY } from './sessions.js'
import { readSettings, redactStoreUrl, SettingsError } from './settings.js'
import { DEMO_CREDENTIALS } from './users.js'

/** How long a shutdown waits for requests in flight before cutting their connections. */
const SHUTDOWN_GRACE_MS = 5_000

function fail(error: unknown): never {
  // Configuration mistakes get one readable line; anything else keeps its stack.
  const readable = error instanceof SettingsError || error instanceof SessionkitError
  console.error(`sessionkit demo: ${readable ? error.message : String(error)}`)
  if (!readable && error instanceof Error) console.error(error.stack)
  process.exit(1)
}

function start(): void {
  let settings: ReturnType<typeof readSettings>
  let sessions: ReturnType<typeof createSessions>
  try {
    settings = readSettings()
    sessions = createSessions(settings)
  } catch (error) {
    fail(error)
  }
  const server = createServer(
    createApp(sessions, { secureCookies: settings.secureCookies, policy: SESSION_POLICY }),
  )

  server.once('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') {
      fail(new SettingsError(`port ${settings.port} is in use: set PORT to another one`))
    }
    fail(error)
  })
  server.listen(settings.port, () => {
    const address = server.address()
    const port = typeof address === 'object' && address !== null ? address.port : settings.port
    const users = DEMO_CREDENTIALS.map((user) => `${user.username} / ${user.password}`)
    console.log(`sessionkit demo on http://localhost:${port}`)
    console.log(`  store: ${redactStoreUrl(settings.storeUrl)}`)
    console.log(`  sign in as ${users.join(' or ')}`)
    const cookie = settings.secureCookies
      ? '__Host-sid, Secure (DEMO_SECURE_COOKIES)'
      : 'sid, without Secure as the demo serves plain http (DEMO_SECURE_COOKIES=1 behind https)'
    console.log(`  cookie: ${cookie}`)
  })

  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now".
      process.exit(130)
    }
    stopping = true
    console.log(`${signal}: finishing requests in flight, then closing the store`)
    const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS)
    cut.unref()
    server.close(() => {
      clearTimeout(cut)
      // The store closes last: a request still in flight must be able to commit its session.
      sessions.close().then(
        () => console.log('stopped'),
        (error: unknown) => fail(error),
      )
    })
    // Keep-alive connections with no request in flight would hold close() open.
    server.closeIdleConnections()
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

start()
