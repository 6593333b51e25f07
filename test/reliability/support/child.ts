/**
 * A child process that reports on stdout, one line at a time: the reliability tests spawn
 * writers with it, wait for a line, and read every complete line after a SIGKILL. A line cut
 * by the kill (no newline yet) is never in `lines`, so it never counts as acknowledged.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))

export interface LineChild {
  readonly process: ChildProcessWithoutNullStreams
  /** Every complete stdout line so far. */
  readonly lines: readonly string[]
  stderr(): string
  /** Resolves when a line satisfies `test`; rejects with stderr if the child exits first. */
  waitForLine(test: (line: string) => boolean, timeoutMs: number): Promise<void>
  /** Resolves with how the child ended. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Runs `node --import tsx <script> ...args` from the repository root. */
export function spawnTsx(script: string, args: readonly string[]): LineChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  let partial = ''
  let errors = ''
  const waiters = new Set<(line: string) => void>()
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop() ?? ''
    for (const line of parts) {
      lines.push(line)
      for (const waiter of [...waiters]) waiter(line)
    }
  })
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => {
    errors += chunk
  })
  const exit = once(child, 'close').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }))
  return {
    process: child,
    lines,
    stderr: () => errors,
    exit,
    waitForLine(test, timeoutMs) {
      if (lines.some(test)) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          clearTimeout(timer)
          waiters.delete(onLine)
          if (error) reject(error)
          else resolve()
        }
        const onLine = (line: string) => {
          if (test(line)) done()
        }
        const timer = setTimeout(
          () => done(new Error(`no expected line within ${timeoutMs} ms; stderr: ${errors}`)),
          timeoutMs,
        )
        waiters.add(onLine)
        void exit.then(({ code, signal }) =>
          done(new Error(`the child exited (${code ?? signal}) first; stderr: ${errors}`)),
        )
      })
    },
  }
}
