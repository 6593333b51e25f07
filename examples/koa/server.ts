/**
 * sessionkit with Koa 3: `node --import tsx examples/koa/server.ts` (PORT, default 3003).
 * An app imports 'sessionkit', 'sessionkit/koa' and 'sessionkit/stores/memory' instead of the
 * ../../src paths used here to run from the repository.
 */
import type { AddressInfo } from 'node:net'
import Koa, { type Context } from 'koa'
import { type KoaFlashData, type KoaSessionData, koaSessions } from '../../src/adapters/koa.js'
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

// Types ctx.session in every middleware.
declare module 'koa' {
  interface SessionkitData extends ExampleData {}
  interface SessionkitFlash extends ExampleFlash {}
}

const sessions = new SessionManager<KoaSessionData, KoaFlashData>({
  store: new MemoryStore(),
  secrets: [exampleSecret()],
  idleTimeout: '30m',
  // Secure cookies need HTTPS; browsers make an exception for http://localhost only.
  cookie: { secure: process.env.NODE_ENV === 'production' },
})

/** Koa parses no bodies; a sign-in form is small and urlencoded. */
async function readForm(ctx: Context): Promise<URLSearchParams> {
  let body = ''
  for await (const chunk of ctx.req) {
    body += String(chunk)
    if (body.length > 4096) ctx.throw(413)
  }
  return new URLSearchParams(body)
}

const app = new Koa()
app.use(koaSessions(sessions))

app.use(async (ctx) => {
  const session = ctx.session
  if (ctx.method === 'GET' && ctx.path === '/') {
    const visits = (session?.get('visits') ?? 0) + 1
    session?.set('visits', visits)
    const notice = session?.flash('notice') ?? null
    const user = session?.userId ?? null
    ctx.type = 'html'
    ctx.body = renderPage({ framework: 'Koa', user, visits, notice })
  } else if (ctx.method === 'POST' && ctx.path === '/login') {
    const name = nameFrom(await readForm(ctx))
    if (name === null) return ctx.throw(400, 'A name is needed to sign in')
    await session?.login(name) // a new session ID: the old one is dead
    session?.flash('notice', `Welcome, ${name}!`)
    ctx.status = 303
    ctx.redirect('/') // the session is saved before this redirect goes out
  } else if (ctx.method === 'POST' && ctx.path === '/logout') {
    await session?.logout()
    session?.flash('notice', 'Signed out.')
    ctx.status = 303
    ctx.redirect('/')
  }
})

const server = app.listen(portFrom(3003), () => {
  const { port } = server.address() as AddressInfo
  console.log(`sessionkit Koa example on http://localhost:${port}`)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void sessions.close())
  })
}
