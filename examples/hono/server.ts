/**
 * sessionkit with Hono 4 on Node: `node --import tsx examples/hono/server.ts` (PORT, default
 * 3002). The same app runs on Bun, Deno or workers by handing `app.fetch` to their server.
 * An app imports 'sessionkit', 'sessionkit/hono' and 'sessionkit/stores/memory' instead of the
 * ../../src paths used here to run from the repository.
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { type SessionVariables, sessionMiddleware } from '../../src/adapters/hono.js'
import { SessionManager } from '../../src/index.js'
import { MemoryStore } from '../../src/stores/memory.js'
import {
  type ExampleData,
  type ExampleFlash,
  exampleSecret,
  nameFrom,
  portFrom,
  renderPage,
} from '../shared/page.js'

const sessions = new SessionManager<ExampleData, ExampleFlash>({
  store: new MemoryStore(),
  secrets: [exampleSecret()],
  idleTimeout: '30m',
  // Secure cookies need HTTPS; browsers make an exception for http://localhost only.
  cookie: { secure: process.env.NODE_ENV === 'production' },
})

// Types c.get('session') in every handler.
const app = new Hono<{ Variables: SessionVariables<ExampleData, ExampleFlash> }>()
app.use(sessionMiddleware(sessions))

app.get('/', (c) => {
  const session = c.get('session')
  const visits = (session?.get('visits') ?? 0) + 1
  session?.set('visits', visits)
  const notice = session?.flash('notice') ?? null
  const user = session?.userId ?? null
  return c.html(renderPage({ framework: 'Hono', user, visits, notice }))
})

app.post('/login', async (c) => {
  const name = nameFrom(await c.req.parseBody())
  if (name === null) return c.text('A name is needed to sign in', 400)
  const session = c.get('session')
  await session?.login(name) // a new session ID: the old one is dead
  session?.flash('notice', `Welcome, ${name}!`)
  return c.redirect('/', 303) // the session is saved before this redirect goes out
})

app.post('/logout', async (c) => {
  const session = c.get('session')
  await session?.logout()
  session?.flash('notice', 'Signed out.')
  return c.redirect('/', 303)
})

const server = serve({ fetch: app.fetch, port: portFrom(3002) }, (info: AddressInfo) => {
  console.log(`sessionkit Hono example on http://localhost:${info.port}`)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void sessions.close())
  })
}
