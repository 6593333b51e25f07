/**
 * Runs `task` for every item with at most `limit` running at once, so a user with thousands
 * of sessions, or a cleanup of a large directory, does not run out of file descriptors.
 * Rejects with the first error once the running tasks have settled.
 */
export async function forEachLimit<T>(
  items: Iterable<T>,
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.iterator]()
  let failed = false
  let failure: unknown
  async function worker(): Promise<void> {
    for (let next = iterator.next(); !next.done && !failed; next = iterator.next()) {
      try {
        await task(next.value)
      } catch (err) {
        if (!failed) failure = err
        failed = true
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker))
  if (failed) throw failure
}
