/**
 * Sending commands for the Redis store: every command is bounded by the command timeout, its
 * errors become sessionkit errors, scripts go out as EVALSHA with an EVAL fallback, and SCAN
 * walks every master of a cluster.
 * @module
 */

import { StoreError, StoreUnavailableError } from '../core/errors.js'
import type { RedisConnection } from './redis-client.js'
import { isNoScript, toStoreError, withDeadline } from './redis-errors.js'
import type { LuaScript } from './redis-lua.js'

const NAME = 'redis'
/** Keys asked for per SCAN call: big enough to be quick, small enough not to block Redis. */
const SCAN_COUNT = '500'

/** A reply as text (Buffers decoded), or null for nil and anything that is not text. */
export function replyText(reply: unknown): string | null {
  if (typeof reply === 'string') return reply
  if (Buffer.isBuffer(reply)) return reply.toString('utf8')
  return null
}

/** An array reply; StoreError for anything else. */
export function replyArray(reply: unknown, operation: string): unknown[] {
  if (Array.isArray(reply)) return reply
  throw new StoreError(NAME, `${operation}: unexpected reply from Redis`)
}

/** An integer reply (numbers, or digits as text); StoreError for anything else. */
export function replyInteger(reply: unknown, operation: string): number {
  const value = typeof reply === 'number' ? reply : Number(replyText(reply) ?? Number.NaN)
  if (Number.isInteger(value)) return value
  throw new StoreError(NAME, `${operation}: unexpected reply from Redis`)
}

/** The store's command channel: one connection, one timeout, closed once. */
export class RedisCommands {
  readonly #connection: RedisConnection
  readonly #timeoutMs: number
  #closed = false

  constructor(connection: RedisConnection, timeoutMs: number) {
    this.#connection = connection
    this.#timeoutMs = timeoutMs
  }

  get connection(): RedisConnection {
    return this.#connection
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreUnavailableError(NAME, 'the store is closed')
  }

  async #bounded<T>(operation: string, run: () => Promise<T>): Promise<T> {
    this.#assertOpen()
    try {
      return await withDeadline(run(), this.#timeoutMs, operation)
    } catch (error) {
      throw toStoreError(operation, error)
    }
  }

  /** One command naming at most one key (`key` routes it in a cluster). */
  send(operation: string, args: readonly string[], key?: string): Promise<unknown> {
    return this.#bounded(operation, () => this.#connection.send(args, key))
  }

  /** Runs `script` on `key` with `args`: EVALSHA, then EVAL when the node lacks the script. */
  async eval(
    operation: string,
    script: LuaScript,
    key: string,
    args: readonly string[],
  ): Promise<unknown> {
    const tail = ['1', key, ...args]
    try {
      return await this.#bounded(operation, () =>
        this.#connection.send(['EVALSHA', script.sha, ...tail], key),
      )
    } catch (error) {
      if (!isNoScript(error instanceof StoreError ? error.cause : error)) throw error
      return this.#bounded(operation, () =>
        this.#connection.send(['EVAL', script.source, ...tail], key),
      )
    }
  }

  /**
   * Every key matching `pattern`, in batches, across every master. SCAN may repeat a key (when
   * Redis resizes a table mid-scan); callers that must not see one twice deduplicate.
   */
  async *scan(operation: string, pattern: string): AsyncGenerator<string[]> {
    const masters = await this.#bounded(operation, () => this.#connection.masters())
    for (const master of masters) {
      let cursor = '0'
      do {
        const reply = replyArray(
          await this.#bounded(operation, () =>
            master(['SCAN', cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT]),
          ),
          operation,
        )
        cursor = replyText(reply[0]) ?? String(replyInteger(reply[0], operation))
        const keys = replyArray(reply[1], operation)
          .map(replyText)
          .filter((key): key is string => key !== null)
        if (keys.length > 0) yield keys
      } while (cursor !== '0')
    }
  }

  /** Closes the channel (later calls reject with StoreUnavailableError) and the connection. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#connection.close()
  }
}
