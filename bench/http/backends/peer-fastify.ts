/**
 * @fastify/session's default store (an in-memory Map), its writes counted.
 * @module
 */
import { MemoryStore as FastifyMemoryStore } from '@fastify/session'
import { countWrites } from './count.js'
import type { FastifySessionBackend } from './types.js'

export function fastifySessionBackend(): FastifySessionBackend {
  const store = new FastifyMemoryStore()
  const map = (store as unknown as { store: Map<string, unknown> }).store
  return {
    kind: 'fastify-session',
    store,
    writes: countWrites(store),
    records: async () => map.size,
    close: async () => {},
  }
}
