/**
 * sessionkit with the Fetch API: `node --import tsx examples/fetch/server.ts` (PORT, default
 * 3005). The handler is a plain `(request) => Response`: a Next.js route handler, Bun.serve,
 * Deno.serve or a worker takes it as it is; on Node, @hono/node-server's serve() runs any such
 * handler. An app imports 'sessionkit', 'sessionkit/fetch' and 'sessionkit/stores/memory'
 * instead of the ../../src paths used here to run from the repository.
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { withSession } from '../../src/adapters/fetch.js'
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

const seeOther = (request: Request) =>
  new Response(null, { status: 303, headers: { location: new URL('/', request.url).href } })

export const handler = withSession(sessions, async (request, session) => {
  const path = new URL(request.url).pathname
  if (request.method === 'GET' && path === '/') {
    const visits = (session?.get('visits') ?? 0) + 1
    session?.set('visits', visits)
    const notice = session?.flash('notice') ?? null
    const user = session?.userId ?? null
    return new Response(renderPage({ framework: 'the Fetch API', user, visits, notice }), {
      headers: { 'content-type': 'text/html; charset=utf-8' },
    })
  }
  if (request.method === 'POST' && path === '/login') {
    const name = nameFrom(await request.formData())
    if (name === null) return new Response('A name is needed to sign in', { status: 400 })
    await session?.login(name) // a new session ID: the old one is dead
    session?.flash('notice', `Welcome, ${name}!`)
    return seeOther(request) // the session is saved before this response is returned
  }
  if (request.method === 'POST' && path === '/logout') {
    await session?.logout()
    session?.flash('notice', 'Signed out.')
    return seeOther(request)
  }
  return new Response('Not found', { status: 404 })
})

const server = serve({ fetch: handler, port: portFrom(3005) }, (info: AddressInfo) => {
  console.log(`sessionkit fetch example on http://localhost:${info.port}`)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void sessions.close())
  })
}
