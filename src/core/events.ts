/** What each manager event carries. No raw session ID ever appears: `key` is its SHA-256. */
export interface SessionEvents {
  created: { key: string; userId: string | null }
  regenerated: { key: string; previousKey: string; userId: string | null }
  destroyed: {
    key: string
    userId: string | null
    reason: 'destroy' | 'logout' | 'revoked' | 'lost'
  }
  expired: { key: string; userId: string | null }
  error: { error: unknown; operation: string }
}

export type SessionEventName = keyof SessionEvents
export type SessionEventListener<E extends SessionEventName> = (event: SessionEvents[E]) => void

/**
 * A minimal typed emitter. Unlike node:events, an `error` without a listener is reported with
 * console.warn instead of crashing the process, and a throwing listener never breaks a request.
 */
export class SessionEventEmitter {
  readonly #listeners = new Map<SessionEventName, Set<(event: never) => void>>()

  on<E extends SessionEventName>(name: E, listener: SessionEventListener<E>): () => void {
    let set = this.#listeners.get(name)
    if (!set) {
      set = new Set()
      this.#listeners.set(name, set)
    }
    set.add(listener as (event: never) => void)
    return () => this.off(name, listener)
  }

  off<E extends SessionEventName>(name: E, listener: SessionEventListener<E>): void {
    this.#listeners.get(name)?.delete(listener as (event: never) => void)
  }

  protected emit<E extends SessionEventName>(name: E, event: SessionEvents[E]): void {
    const set = this.#listeners.get(name)
    if (!set || set.size === 0) {
      if (name === 'error') {
        const { error, operation } = event as SessionEvents['error']
        console.warn(
          `sessionkit: ${operation} failed:`,
          error instanceof Error ? error.message : error,
        )
      }
      return
    }
    for (const listener of set) {
      try {
        ;(listener as SessionEventListener<E>)(event)
      } catch (error) {
        if (name !== 'error') this.emit('error', { error, operation: `${name} listener` })
      }
    }
  }
}
