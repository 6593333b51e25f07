/**
 * Builders for the adapter tests (fastify's buildFastify idea): one per adapter, each starting a
 * real HTTP server on 127.0.0.1:0 around a SessionManager over a fault-injectable MemoryStore.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type FetchSessionHandler,
  type FetchSessionOptions,
  withSession,
} from '../../src/adapters/fetch.js'
import {
  type NodeSessionHandler,
  type NodeSessionOptions,
  nodeSessions,
} from '../../src/adapters/node.js'
import type { ErrorContext } from '../../src/adapters/shared.js'
import { SessionManager } from '../../src/core/manager.js'
import type { SessionManagerOptions } from '../../src/core/options.js'
import { app, type TestData } from './app.js'
import { type Faults, faultyStore } from './faulty-store.js'
import { remoteAddressOf, serveFetch } from './serve-fetch.js'

/** 32 random bytes, base64url: 43 characters. */
export const SECRET = randomBytes(32).toString('base64url')

/** Manager options the tests may override; `store` and `secrets` are filled in. */
export type ManagerOverrides = Partial<SessionManagerOptions>

/** A running test server. */
export interface TestServer {
  url: string
  manager: SessionManager<TestData, TestData>
  faults: Faults
  /** Everything the adapter reported through onError, in order. */
  errors: Array<{ error: unknown; phase: ErrorContext['phase'] }>
  close(): Promise<void>
}

/** The manager every builder uses, over the fault-injectable store. */
export function managerFor(faults: Faults, overrides: ManagerOverrides) {
  return new SessionManager<TestData, TestData>({
    store: faults.store,
    secrets: [SECRET],
    cookie: { secure: false },
    cleanupInterval: null,
    ...overrides,
  })
}

/** An onError hook that records into `errors`. */
export function collector(errors: TestServer['errors']) {
  return (error: unknown, context: ErrorContext) => {
    errors.push({ error, phase: context.phase })
  }
}

/** The test app through the node adapter: `res.writeHead` + `res.end`, synchronously. */
export const appNodeHandler: NodeSessionHandler<TestData, TestData> = async (req, res) => {
  const result = await app(req.session, new URL(req.url ?? '/', 'http://localhost'))
  res.writeHead(result.status, result.headers ?? {})
  res.end(result.body)
}

/** The test app through the fetch adapter. */
export const appFetchHandler: FetchSessionHandler<TestData, TestData> = async (
  request,
  session,
) => {
  const result = await app(session, new URL(request.url))
  return new Response(result.body === '' ? null : result.body, {
    status: result.status,
    headers: result.headers ?? {},
  })
}

/** A node:http server running `handler` through {@link nodeSessions}. */
export async function buildNodeServer(
  handler: NodeSessionHandler<TestData, TestData> = appNodeHandler,
  managerOptions: ManagerOverrides = {},
  adapterOptions: NodeSessionOptions = {},
  { synchronous = false }: { synchronous?: boolean } = {},
): Promise<TestServer> {
  const faults = faultyStore(undefined, { synchronous })
  const manager = managerFor(faults, managerOptions)
  const errors: TestServer['errors'] = []
  const listener = nodeSessions(manager, { onError: collector(errors), ...adapterOptions })(handler)
  const server = createServer(
    (req: IncomingMessage, res: ServerResponse) => void listener(req, res),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
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

/** A node:http server bridging to `handler` through {@link withSession}. */
export async function buildFetchServer(
  handler: FetchSessionHandler<TestData, TestData> = appFetchHandler,
  managerOptions: ManagerOverrides = {},
  adapterOptions: FetchSessionOptions = {},
  { synchronous = false }: { synchronous?: boolean } = {},
): Promise<TestServer> {
  const faults = faultyStore(undefined, { synchronous })
  const manager = managerFor(faults, managerOptions)
  const errors: TestServer['errors'] = []
  const served = await serveFetch(
    withSession(manager, handler, {
      onError: collector(errors),
      getIp: remoteAddressOf,
      ...adapterOptions,
    }),
  )
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

/** Either builder, with the shared test app: what the common suite runs against. */
export type AppBuilder = (
  managerOptions?: ManagerOverrides,
  adapterOptions?: { trustProxy?: boolean },
) => Promise<TestServer>

export const buildNodeApp: AppBuilder = (managerOptions, adapterOptions) =>
  buildNodeServer(appNodeHandler, managerOptions, adapterOptions)

/** {@link buildNodeApp} on a store that answers loads synchronously, as the memory store does. */
export const buildNodeAppSynchronous: AppBuilder = (managerOptions, adapterOptions) =>
  buildNodeServer(appNodeHandler, managerOptions, adapterOptions, { synchronous: true })

export const buildFetchApp: AppBuilder = (managerOptions, adapterOptions) =>
  buildFetchServer(appFetchHandler, managerOptions, adapterOptions)

/** {@link buildFetchApp} on a store that answers loads synchronously, as the memory store does. */
export const buildFetchAppSynchronous: AppBuilder = (managerOptions, adapterOptions) =>
  buildFetchServer(appFetchHandler, managerOptions, adapterOptions, { synchronous: true })
