/**
 * Fastify 5: no session, the sessionkit plugin, or @fastify/session (with @fastify/cookie, as
 * its README has it) on its default memory store. @fastify/session gets rolling false and
 * saveUninitialized false (its defaults are true: a save on every request), the run's
 * secret, a day of cookie maxAge and insecure cookies.
 * @module
 */
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { type FastifySessionOptions, sessionkit } from '../../../src/adapters/fastify.js'
import type { Backend, RunSettings } from '../backends/types.js'
import { KEY, MAX_AGE_MS, STATS_PATH } from '../scenarios.js'
import { benchManager, countOf, type SessionLike } from './manager.js'
import type { StartApp } from './types.js'

async function register(
  app: FastifyInstance,
  backend: Backend | null,
  settings: RunSettings,
): Promise<void> {
  if (backend === null) return
  if (backend.kind === 'sessionkit') {
    const manager = benchManager(backend, settings)
    await app.register(sessionkit, {
      manager: manager as unknown as FastifySessionOptions['manager'],
    })
    return
  }
  if (backend.kind !== 'fastify-session')
    throw new Error(`Fastify cannot use a ${backend.kind} store`)
  await app.register(fastifyCookie)
  await app.register(fastifySession, {
    secret: settings.secret,
    store: backend.store as fastifySession.SessionStore,
    rolling: false,
    saveUninitialized: false,
    cookie: { maxAge: MAX_AGE_MS, secure: false },
  })
}

function sessionOf(request: FastifyRequest): SessionLike | null {
  return (request as unknown as { session?: SessionLike | null }).session ?? null
}

export const startFastify: StartApp = async (backend, settings, stats) => {
  const app = Fastify()
  // Outside the session plugin's context: the stats route never loads a session.
  app.get(STATS_PATH, async (request, reply) =>
    reply.type('application/json').send(await stats(request.url.includes('records'))),
  )
  await app.register(async (scope) => {
    await register(scope, backend, settings)
    scope.get('/read', async (request) => String(countOf(sessionOf(request)?.get(KEY))))
    scope.post('/write', async (request) => {
      const session = sessionOf(request)
      const count = countOf(session?.get(KEY)) + 1
      session?.set(KEY, count)
      return String(count)
    })
    scope.post('/new', async (request) => {
      sessionOf(request)?.set(KEY, 1)
      return '1'
    })
    scope.get('/anon', async () => 'ok')
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('Fastify did not listen')
  return { port: address.port, close: () => app.close() }
}
