/**
 * Every adapter as a real HTTP server on 127.0.0.1 over a store of the caller's: the builders of
 * the adapter tests (test/adapters) with their MemoryStore swapped for the store under test,
 * plus an Express 5 app on sessionkit/express. Each serves `/set?k=v…` (sets every query
 * parameter as a session key) and `/get` (answers `{ data }` with the session's data).
 */
import type { Store } from '../../../src/core/store.js'
import { buildFastify, rootSetup as fastifyRoot } from '../../adapters/build-fastify.js'
import { buildHono, rootSetup as honoRoot } from '../../adapters/build-hono.js'
import { buildKoa, rootSetup as koaRoot } from '../../adapters/build-koa.js'
import { buildFetchServer, buildNodeServer, type TestServer } from '../../adapters/helpers.js'
import { buildExpress } from './express-app.js'

/** A running server: where it listens, and how to stop it (which also closes the store). */
export interface LoadServer {
  url: string
  /** The session cookie's name. */
  cookieName: string
  close(): Promise<void>
}

export interface LoadAdapter {
  readonly name: string
  start(store: Store): Promise<LoadServer>
}

/** The adapter tests' builders take manager overrides; `store` replaces their MemoryStore. */
function fromTestServer(started: Promise<TestServer>): Promise<LoadServer> {
  return started.then((server) => ({
    url: server.url,
    cookieName: 'sid',
    // Closes the manager, which closes the store it was given.
    close: () => server.close(),
  }))
}

export const ADAPTERS: readonly LoadAdapter[] = [
  { name: 'express', start: (store) => buildExpress(store) },
  { name: 'fastify', start: (store) => fromTestServer(buildFastify(fastifyRoot, { store })) },
  {
    name: 'hono (@hono/node-server)',
    start: (store) => fromTestServer(buildHono(honoRoot, { store }, {}, 'node-server')),
  },
  { name: 'koa', start: (store) => fromTestServer(buildKoa(koaRoot, { store })) },
  { name: 'node', start: (store) => fromTestServer(buildNodeServer(undefined, { store })) },
  {
    name: 'fetch (node:http bridge)',
    start: (store) => fromTestServer(buildFetchServer(undefined, { store })),
  },
]
