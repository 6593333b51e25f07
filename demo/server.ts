/**
 * The demo app (`npm start`): a placeholder until the demo issue lands. It serves one page on
 * PORT (default 3000) with sessions in SQLite at ./data/sessions.db, or in SESSIONKIT_STORE.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { nodeSessions } from '../src/adapters/node.js'
import { openStore, SessionManager } from '../src/index.js'

type DemoData = { visits: number }

function devSecret(): string {
  if (process.env.SESSION_SECRET) return process.env.SESSION_SECRET
  // A secret kept across restarts so local sessions survive them; never use this in production.
  mkdirSync('data', { recursive: true })
  try {
    return readFileSync('data/dev-secret', 'utf8').trim()
  } catch {
    const secret = randomBytes(32).toString('base64url')
    writeFileSync('data/dev-secret', secret, { mode: 0o600 })
    return secret
  }
}

const sessions = new SessionManager<DemoData>({
  store: openStore(process.env.SESSIONKIT_STORE ?? 'sqlite:./data/sessions.db'),
  secrets: [devSecret()],
  idleTimeout: '30m',
})

const withSession = nodeSessions(sessions)

const server = createServer(
  withSession((req, res) => {
    const visits = (req.session?.get('visits') ?? 0) + 1
    req.session?.set('visits', visits)
    res.setHeader('Content-Type', 'text/html; charset=utf-8')
    res.end(`<!doctype html><title>sessionkit demo</title>
<h1>sessionkit</h1><p>You have visited this page <strong id="visits">${visits}</strong> time(s) in this session.</p>`)
  }),
)

const port = Number(process.env.PORT ?? 3000)
server.listen(port, () => console.log(`sessionkit demo on http://localhost:${port}`))
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close()
    void sessions.close()
  })
}
