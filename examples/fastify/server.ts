/**
 * sessionkit with Fastify 5: `node --import tsx examples/fastify/server.ts` (PORT, default 3001).
 * An app imports 'sessionkit', 'sessionkit/fastify' and 'sessionkit/stores/memory' instead of
 * the ../../src paths used here to run from the repository.
 */
import Fastify from 'fastify'
import {
  type FastifyFlashData,
  type FastifySessionData,
  sessionkit,
} from '../../src/adapters/fastify.js'
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

// Types request.session for every route.
declare module 'fastify' {
  interface SessionkitData extends ExampleData {}
  interface SessionkitFlash extends ExampleFlash {}
}

const sessions = new SessionManager<FastifySessionData, FastifyFlashData>({
  store: new MemoryStore(),
  secrets: [exampleSecret()],
  idleTimeout: '30m',
  // Secure cookies need HTTPS; browsers make an exception for http://localhost only.
  cookie: { secure: process.env.NODE_ENV === 'production' },
})

const app = Fastify()
// Fastify parses JSON only; a sign-in form posts urlencoded.
app.addContentTypeParser(
  'application/x-www-form-urlencoded',
  { parseAs: 'string' },
  (_request, body, done) => done(null, new URLSearchParams(String(body))),
)
await app.register(sessionkit, { manager: sessions })

app.get('/', async (request, reply) => {
  const session = request.session
  const visits = (session?.get('visits') ?? 0) + 1
  session?.set('visits', visits)
  const notice = session?.flash('notice') ?? null
  const user = session?.userId ?? null
  return reply.type('text/html').send(renderPage({ framework: 'Fastify', user, visits, notice }))
})

app.post('/login', async (request, reply) => {
  const name = nameFrom(request.body as URLSearchParams)
  if (name === null) return reply.code(400).send('A name is needed to sign in')
  await request.session?.login(name) // a new session ID: the old one is dead
  request.session?.flash('notice', `Welcome, ${name}!`)
  return reply.redirect('/', 303) // the session is saved before this redirect goes out
})

app.post('/logout', async (request, reply) => {
  await request.session?.logout()
  request.session?.flash('notice', 'Signed out.')
  return reply.redirect('/', 303)
})

const address = await app.listen({ port: portFrom(3001) })
console.log(`sessionkit Fastify example on ${address.replace('127.0.0.1', 'localhost')}`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => sessions.close())
  })
}
