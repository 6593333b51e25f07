/**
 * When a held response goes out: `releaseAfterIo` releases the gate after the event loop's
 * current I/O (setImmediate), not in the microtask that finished the commit, and a release that
 * throws still answers the request instead of crashing the process or leaving it hanging.
 */
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ResponseGate, releaseAfterIo } from '../../src/adapters/node-gate.js'
import type { SessionHeaders } from '../../src/adapters/shared.js'

const COOKIE = 'sid=abc; Path=/; HttpOnly'

function headers(token: SessionHeaders['token'] = null): SessionHeaders {
  return { setCookie: [COOKIE], cacheControl: 'no-store', vary: ['Cookie'], token }
}

let server: Server | undefined

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

/** A server whose handler ends its response through a gate released by releaseAfterIo. */
async function serveGated(
  session: SessionHeaders,
  seen: { errors: unknown[]; endedInMicrotask?: boolean; endedAfterRelease?: boolean },
): Promise<string> {
  const created = createServer((_req, res: ServerResponse) => {
    const gate: ResponseGate = new ResponseGate(res, () => {
      // The commit is done at once, as with the memory store: release from a microtask.
      queueMicrotask(() => {
        releaseAfterIo(
          gate,
          session,
          (error) => seen.errors.push(error),
          () => {
            seen.endedAfterRelease = res.writableEnded
          },
        )
        queueMicrotask(() => {
          seen.endedInMicrotask = res.writableEnded
        })
      })
    })
    res.end('hello')
  })
  server = created
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(created.address() as AddressInfo).port}/`
}

describe('releaseAfterIo', () => {
  it('sends the held response after the current turn, with the session headers', async () => {
    const seen: { errors: unknown[]; endedInMicrotask?: boolean; endedAfterRelease?: boolean } = {
      errors: [],
    }
    const url = await serveGated(headers(), seen)
    const response = await fetch(url)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('hello')
    expect(response.headers.get('set-cookie')).toBe(COOKIE)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(seen.endedInMicrotask).toBe(false)
    expect(seen.endedAfterRelease).toBe(true)
    expect(seen.errors).toEqual([])
  })

  it('answers 500 and reports the error when the release itself throws', async () => {
    const seen: { errors: unknown[] } = { errors: [] }
    // node refuses a header name with a space: applySessionHeaders throws inside the release.
    const url = await serveGated(headers({ name: 'bad name', value: 'x' }), seen)
    const response = await fetch(url)
    expect(response.status).toBe(500)
    expect(await response.text()).toBe('Internal Server Error\n')
    expect(seen.errors).toHaveLength(1)
    expect((seen.errors[0] as { code?: string }).code).toBe('ERR_INVALID_HTTP_TOKEN')
  })
})
