/**
 * Recording what a suite prints while it still prints it: the stores and seal suites render
 * their own tables, and RESULTS.md shows them exactly as printed.
 * @module
 */

export async function capture<T>(run: () => Promise<T>): Promise<{ value: T; printed: string }> {
  const chunks: string[] = []
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    return Reflect.apply(write, process.stdout, [chunk, ...rest]) as boolean
  }) as typeof process.stdout.write
  try {
    const value = await run()
    return { value, printed: chunks.join('') }
  } finally {
    process.stdout.write = write
  }
}
