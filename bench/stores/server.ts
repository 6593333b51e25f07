/**
 * For the stores that need a server: is it listening on this machine, and does openStore
 * support its scheme yet? Either answer "no" turns the store's table into a "skipped (reason)"
 * row instead of a failure.
 * @module
 */
import { connect } from 'node:net'
import { InvalidConfigError, MissingDependencyError } from '../../src/core/errors.js'
import type { Store } from '../../src/core/store.js'
import { openStore } from '../../src/stores/open-store.js'

/** Null when something accepts TCP connections at host:port within `timeoutMs`, else why not. */
export function unreachable(host: string, port: number, timeoutMs = 1000): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (reason: string | null): void => {
      socket.destroy()
      resolve(reason)
    }
    socket.setTimeout(timeoutMs, () => done(`no answer from ${host}:${port}`))
    socket.once('connect', () => done(null))
    socket.once('error', (error) => done(`${host}:${port} not reachable (${error.message})`))
  })
}

/** The store `url` names, or why this sessionkit cannot open it. Other errors are thrown. */
export function openOrSkip(url: string): Store | { skip: string } {
  try {
    return openStore(url)
  } catch (error) {
    if (error instanceof InvalidConfigError && /not supported/.test(error.message)) {
      return { skip: `openStore does not support ${url.split(':')[0]}: yet` }
    }
    if (error instanceof MissingDependencyError) return { skip: error.message }
    throw error
  }
}
