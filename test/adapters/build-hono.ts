/**
 * The Hono builder: a Hono 4 app with sessionMiddleware, served over a real socket either by
 * @hono/node-server or by the plain fetch bridge the fetch adapter's tests use (standing in for
 * any other runtime that hands Hono a Request), over the fault-injectable MemoryStore.
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import {
  type HonoSessionOptions,
  type SessionVariables,
  sessionMiddleware,
} from '../../src/adapters/hono.js'
import type { SessionManager } from '../../src/core/manager.js'
import { app, type TestData } from './app.js'
import { faultyStore } from './faulty-store.js'
import {
  type AppBuilder,
  collector,
  type ManagerOverrides,
  managerFor,
  type TestServer,
} from './helpers.js'
import { remoteAddressOf, serveFetch } from './serve-fetch.js'

/** The app's Env: the session variables over the test's plain JSON data. */
export type TestEnv = { Variables: SessionVariables<TestData, TestData> }
export type TestApp = Hono<TestEnv>
export type TestManager = SessionManager<TestData, TestData>

/** How the app is served: @hono/node-server, or the generic Request/Response bridge. */
export type Transport = 'node-server' | 'fetch'

/** Sets up the app: the session middleware (built from `manager` and `options`) and routes. */
export type HonoSetup = (app: TestApp, manager: TestManager, options: HonoSessionOptions) => void

/** The shared test app as a catch-all handler. */
export async function appHandler(c: Context<TestEnv>): Promise<Response> {
  const result = await app(c.get('session'), new URL(c.req.url))
  const headers = new Headers()
  for (const [name, value] of Object.entries(result.headers ?? {})) headers.append(name, value)
  return new Response(result.body === '' ? null : result.body, { status: result.status, headers })
}

export const rootSetup: HonoSetup = (hono, manager, options) => {
  hono.use(sessionMiddleware(manager, options))
  hono.all('*', appHandler)
}

async function listen(hono: TestApp, transport: Transport) {
  if (transport === 'fetch') return serveFetch(async (request) => hono.fetch(request))
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(started),
    )
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      }),
  }
}

/** A Hono app set up by `setup`, served over `transport`. */
export async function buildHono(
  setup: HonoSetup = rootSetup,
  managerOptions: ManagerOverrides = {},
  adapterOptions: HonoSessionOptions = {},
  transport: Transport = 'node-server',
  { synchronous = false }: { synchronous?: boolean } = {},
): Promise<TestServer> {
  const faults = faultyStore(undefined, { synchronous })
  const manager = managerFor(faults, managerOptions)
  const errors: TestServer['errors'] = []
  const hono: TestApp = new Hono()
  setup(hono, manager, {
    onError: collector(errors),
    // The bridge keeps each Request's peer address; node-server's is found by the default.
    ...(transport === 'fetch' ? { getIp: (c: Context) => remoteAddressOf(c.req.raw) } : {}),
    ...adapterOptions,
  })
  const served = await listen(hono, transport)
  return {
    url: served.url,
    manager,
    faults,
    errors,
    close: async () => {
      await served.close()
      await manager.close()
    },
  }
}

/** What the common suite runs, on Node through @hono/node-server. */
export const buildHonoNodeApp: AppBuilder = (managerOptions, adapterOptions) =>
  buildHono(rootSetup, managerOptions, adapterOptions, 'node-server')

/** What the common suite runs, through a plain Request/Response bridge. */
export const buildHonoFetchApp: AppBuilder = (managerOptions, adapterOptions) =>
  buildHono(rootSetup, managerOptions, adapterOptions, 'fetch')

/** {@link buildHonoNodeApp} on a store that answers loads synchronously, as the memory store does. */
export const buildHonoNodeAppSynchronous: AppBuilder = (managerOptions, adapterOptions) =>
  buildHono(rootSetup, managerOptions, adapterOptions, 'node-server', { synchronous: true })
