/**
 * No lost updates, end to end: for every server-side store on its real engine and every adapter
 * as a real HTTP server on loopback, 200 concurrent requests from one browser (one cookie),
 * each setting a different key of the same session, must all be kept with their exact values.
 * A store or adapter that read the session, changed it and wrote the whole of it back would
 * keep only the last writers' keys here.
 *
 * The sealed cookie store is left out on purpose: its state travels in the cookie, so 200
 * requests that carry the same cookie each seal their own copy and the browser keeps whichever
 * Set-Cookie arrives last. That is inherent to client-side state (docs/load-testing.md).
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Browser } from '../adapters/client.js'
import { describeWithService } from '../support/services.js'
import { ADAPTERS } from './load/adapters.js'
import { serverStores } from './load/stores.js'

const WRITERS = 200

const gated = await Promise.all(
  serverStores().map(async (store) => ({ store, gate: await store.gate() })),
)

for (const { store, gate } of gated) {
  describeWithService(gate, `${WRITERS} concurrent writers of one session on ${store.name}`, () => {
    beforeAll(() => store.setUp(), 60_000)
    afterAll(() => store.tearDown(), 60_000)

    it.each(ADAPTERS.map((adapter) => [adapter.name, adapter] as const))(
      '%s keeps every key with its exact value',
      async (_name, adapter) => {
        const server = await adapter.start(store.open())
        try {
          const browser = new Browser(server.url)
          const seeded = await browser.request('/set?seed=0')
          expect(seeded.status).toBe(200)
          expect(browser.jar.get(server.cookieName)).toBeDefined()

          // Values unique to this run, so a stale record from anywhere else could not pass.
          const nonce = randomBytes(6).toString('base64url')
          const expected: Record<string, string> = { seed: '0' }
          for (let i = 0; i < WRITERS; i++) expected[`key${i}`] = `${nonce}-${i}`
          const responses = await Promise.all(
            Array.from({ length: WRITERS }, (_, i) =>
              browser.request(`/set?key${i}=${expected[`key${i}`]}`),
            ),
          )
          const statuses = await Promise.all(
            responses.map(async (response) => {
              // Read every body so each keep-alive connection is free for the next request.
              await response.arrayBuffer()
              return response.status
            }),
          )
          expect(statuses).toEqual(Array(WRITERS).fill(200))

          const { data } = await browser.json<{ data: Record<string, unknown> }>('/get')
          expect(data).toEqual(expected)
        } finally {
          await server.close()
        }
      },
    )
  })
}
