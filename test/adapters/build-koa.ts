/**
 * The Koa builder: a real Koa 3 server (app.listen) on 127.0.0.1:0 with koaSessions, over the
 * fault-injectable MemoryStore.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa, { type Context } from 'koa'
import { type KoaSessionOptions, koaSessions } from '../../src/adapters/koa.js'
import type { SessionManager } from '../../src/core/manager.js'
import { app, type TestData, type TestSession } from './app.js'
import { faultyStore } from './faulty-store.js'
import {
  type AppBuilder,
  collector,
  type ManagerOverrides,
  managerFor,
  type TestServer,
} from './helpers.js'

/** The manager type koaSessions takes (the test's augmentation), from the plain-JSON one. */
export type KoaManager = Parameters<typeof koaSessions>[0]

/** Sets up the app: the session middleware (built from `manager` and `options`) and routes. */
export type KoaSetup = (app: Koa, manager: KoaManager, options: KoaSessionOptions) => void

/** The shared test app as the last middleware. */
export async function appMiddleware(ctx: Context): Promise<void> {
  // The test app works on plain JSON data; ctx.session is typed by the test's augmentation.
  const session = ctx.session as unknown as TestSession | null
  const result = await app(session, new URL(ctx.url, 'http://localhost'))
  ctx.status = result.status
  for (const [name, value] of Object.entries(result.headers ?? {})) ctx.append(name, value)
  ctx.body = result.body
}

export const rootSetup: KoaSetup = (koa, manager, options) => {
  koa.use(koaSessions(manager, options))
  koa.use(appMiddleware)
}

/** A Koa server set up by `setup`. */
export async function buildKoa(
  setup: KoaSetup = rootSetup,
  managerOptions: ManagerOverrides = {},
  adapterOptions: KoaSessionOptions = {},
  { synchronous = false }: { synchronous?: boolean } = {},
): Promise<TestServer> {
  const faults = faultyStore(undefined, { synchronous })
  const manager: SessionManager<TestData, TestData> = managerFor(faults, managerOptions)
  const errors: TestServer['errors'] = []
  const koa = new Koa()
  // Koa logs 5xx errors it answers; the tests assert on them instead.
  koa.silent = true
  setup(koa, manager as unknown as KoaManager, { onError: collector(errors), ...adapterOptions })
  const server: Server = await new Promise((resolve) => {
    const listening = koa.listen(0, '127.0.0.1', () => resolve(listening))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    manager,
    faults,
    errors,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await manager.close()
    },
  }
}

/** What the common suite runs. */
export const buildKoaApp: AppBuilder = (managerOptions, adapterOptions) =>
  buildKoa(rootSetup, managerOptions, adapterOptions)

/** {@link buildKoaApp} on a store that answers loads synchronously, as the memory store does. */
export const buildKoaAppSynchronous: AppBuilder = (managerOptions, adapterOptions) =>
  buildKoa(rootSetup, managerOptions, adapterOptions, { synchronous: true })
