/**
 * One-at-a-time sections per key, inside this process. A callback store has no atomic update,
 * so a save is `get`, merge the changed keys, `set`; two saves of one session from this process
 * must not interleave, or the second `set` would carry a copy read before the first landed.
 * @module
 */

/** Runs sections per key in call order; sections of different keys run concurrently. */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>()

  async run<T>(key: string, section: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve()
    let release = () => {}
    const done = new Promise<void>((resolve) => {
      release = resolve
    })
    const tail = previous.then(() => done)
    this.#tails.set(key, tail)
    try {
      await previous
      return await section()
    } finally {
      release()
      // The map only holds keys with a section queued or running.
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    }
  }
}
