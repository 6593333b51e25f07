/**
 * The Fastify builder (fastify/session's buildFastify): a real Fastify 5 server on
 * 127.0.0.1:0 with the sessionkit plugin, over the fault-injectable MemoryStore.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { type FastifySessionOptions, sessionkit } from '../../src/adapters/fastify.js'
import { type AppResult, app, type TestSession } from './app.js'
import { faultyStore } from './faulty-store.js'
import {
  type AppBuilder,
  collector,
  type ManagerOverrides,
  managerFor,
  type TestServer,
} from './helpers.js'

/** Sets up the app: registers the plugin (with `options`) and routes, wherever the test wants. */
export type FastifySetup = (
  fastify: FastifyInstance,
  options: FastifySessionOptions,
) => void | Promise<void>

/** Sends a test-app result the Fastify way. */
export function sendResult(reply: FastifyReply, result: AppResult): FastifyReply {
  return reply
    .code(result.status)
    .headers(result.headers ?? {})
    .send(result.body)
}

/** The shared test app as a catch-all route. */
export async function appRoute(request: FastifyRequest, reply: FastifyReply) {
  // The test app works on plain JSON data; request.session is typed by the test's augmentation.
  const session = request.session as unknown as TestSession | null
  return sendResult(reply, await app(session, new URL(request.url, 'http://localhost')))
}

/** The plugin at the root and the test app on every path. */
export const rootSetup: FastifySetup = async (fastify, options) => {
  await fastify.register(sessionkit, options)
  fastify.all('/*', appRoute)
}

/** A Fastify server set up by `setup`. */
export async function buildFastify(
  setup: FastifySetup = rootSetup,
  managerOptions: ManagerOverrides = {},
  adapterOptions: Partial<FastifySessionOptions> = {},
  { synchronous = false }: { synchronous?: boolean } = {},
): Promise<TestServer> {
  const faults = faultyStore(undefined, { synchronous })
  const manager = managerFor(faults, managerOptions)
  const errors: TestServer['errors'] = []
  const fastify = Fastify()
  await setup(fastify, {
    manager: manager as unknown as FastifySessionOptions['manager'],
    onError: collector(errors),
    ...adapterOptions,
  })
  const address = await fastify.listen({ port: 0, host: '127.0.0.1' })
  return {
    url: address,
    manager,
    faults,
    errors,
    close: async () => {
      await fastify.close()
      await manager.close()
    },
  }
}

/** What the common suite runs. */
export const buildFastifyApp: AppBuilder = (managerOptions, adapterOptions) =>
  buildFastify(rootSetup, managerOptions, adapterOptions)

/** {@link buildFastifyApp} on a store that answers loads synchronously, as the memory store does. */
export const buildFastifyAppSynchronous: AppBuilder = (managerOptions, adapterOptions) =>
  buildFastify(rootSetup, managerOptions, adapterOptions, { synchronous: true })
