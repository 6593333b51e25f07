/**
 * Sending commands for the Redis store: every command is bounded by the command timeout, its
 * errors become sessionkit errors, scripts go out as EVALSHA with an EVAL fallback, and SCAN
 * walks every master of a cluster.
 * @module
 */

import { StoreError, StoreUnavailableError } from '../core/errors.js'
import { Deadlines } from './deadlines.js'
import type { RedisConnection } from './redis-client.js'
import { isNoScript, toStoreError } from './redis-errors.js'
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

/** Slots {@link RedisCommands.eval} fills before a script's ARGV: command, script, 1, key. */
export const SCRIPT_HEAD = 4

/** An EVAL argument array with `argv` after the slots `eval` fills in. */
export function scriptArgs(...argv: string[]): string[] {
  return ['', '', '', '', ...argv]
}

/** The store's command channel: one connection, one timeout, closed once. */
export class RedisCommands {
  readonly #connection: RedisConnection
  readonly #timeoutMs: number
  readonly #deadlines: Deadlines
  #closed = false

  constructor(connection: RedisConnection, timeoutMs: number) {
    this.#connection = connection
    this.#timeoutMs = timeoutMs
    this.#deadlines = new Deadlines(timeoutMs)
  }

  get connection(): RedisConnection {
    return this.#connection
  }

  /**
   * `work`'s reply, or the sessionkit error for its failure, or StoreUnavailableError once the
   * command timeout has passed (a late reply is then ignored: every write the store sends is
   * safe to land late, as a guarded patch still applies only to a live session). When `script`
   * is given and the node answers NOSCRIPT, the same call goes out again as EVAL.
   */
  #bounded<T>(
    operation: string,
    work: Promise<T>,
    script?: { source: string; args: string[]; key: string },
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = this.#deadlines.track(() => {
        this.#connection.stalled()
        reject(
          new StoreUnavailableError(
            NAME,
            `${operation}: Redis did not answer within ${this.#timeoutMs} ms`,
          ),
        )
      })
      work.then(
        (value) => {
          if (this.#deadlines.done(entry)) resolve(value)
        },
        (error: unknown) => {
          if (!this.#deadlines.done(entry)) return
          if (script !== undefined && isNoScript(error)) {
            const retry = script.args.slice()
            retry[0] = 'EVAL'
            retry[1] = script.source
            // A script reply is whatever the script returns: unknown, as eval declares.
            resolve(
              this.#start(operation, () => this.#connection.send(retry, script.key)) as Promise<T>,
            )
          } else {
            reject(toStoreError(operation, error))
          }
        },
      )
    })
  }

  /** `#bounded(start())`, with the closed check and a synchronous throw as a rejection. */
  #start<T>(operation: string, start: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new StoreUnavailableError(NAME, 'the store is closed'))
    }
    try {
      return this.#bounded(operation, start())
    } catch (error) {
      return Promise.reject(toStoreError(operation, error))
    }
  }

  /** One command naming at most one key (`key` routes it in a cluster). */
  send(operation: string, args: string[], key?: string): Promise<unknown> {
    if (this.#closed) {
      return Promise.reject(new StoreUnavailableError(NAME, 'the store is closed'))
    }
    try {
      return this.#bounded(operation, this.#connection.send(args, key))
    } catch (error) {
      return Promise.reject(toStoreError(operation, error))
    }
  }

  /**
   * Runs `script` on `key`: EVALSHA, then EVAL when the node lacks the script. `args` are the
   * script's ARGV, after the command, the script and the key: the call fills those slots, so
   * the array is built once by the caller (see {@link scriptArgs}).
   */
  eval(operation: string, script: LuaScript, key: string, args: string[]): Promise<unknown> {
    if (this.#closed) {
      return Promise.reject(new StoreUnavailableError(NAME, 'the store is closed'))
    }
    args[0] = 'EVALSHA'
    args[1] = script.sha
    args[2] = '1'
    args[3] = key
    try {
      return this.#bounded(operation, this.#connection.send(args, key), {
        source: script.source,
        args,
        key,
      })
    } catch (error) {
      return Promise.reject(toStoreError(operation, error))
    }
  }

  /**
   * Every key matching `pattern`, in batches, across every master. SCAN may repeat a key (when
   * Redis resizes a table mid-scan); callers that must not see one twice deduplicate.
   */
  async *scan(operation: string, pattern: string): AsyncGenerator<string[]> {
    const masters = await this.#start(operation, () => this.#connection.masters())
    for (const master of masters) {
      let cursor = '0'
      do {
        const reply = replyArray(
          await this.#start(operation, () =>
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
