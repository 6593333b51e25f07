/**
 * Child processes of the HTTP suite (the servers under test and the load generator): started
 * with tsx and an IPC channel, tracked, and always killed, on a normal exit, on an error and
 * on Ctrl-C alike. Waiting on a child is always bounded.
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const USE_BUILD = fileURLToPath(new URL('./use-build.mjs', import.meta.url))
const live = new Set<ChildProcess>()

/**
 * SIGTERM, not SIGKILL: a server child then drops its tables and keys and exits by itself,
 * within its own bound (server.ts); the load generator and memory probes just end.
 */
function killAll(): void {
  for (const child of live) child.kill('SIGTERM')
  live.clear()
}

let hooked = false

/** Kills every child when this process ends, however it ends. */
function hookExit(): void {
  if (hooked) return
  hooked = true
  process.on('exit', killAll)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll()
      process.exit(130)
    })
  }
}

/**
 * The CPU each kind of child runs on, when the machine has two or more and `taskset` is there
 * (BENCH_PIN=0 turns it off): the server under test on one, the load generator on another.
 * Left to the scheduler, the two trade places and share cores with the kernel's loopback work,
 * and one variant's rate moved by ±25 % from round to round on a 2-core machine; pinned, by
 * about ±5 %. Every variant runs the same way, so the ratios stay fair.
 */
export type CpuRole = 'server' | 'load'

let pinnable: boolean | undefined

function cpuFor(role: CpuRole | undefined): number | null {
  if (role === undefined || process.env.BENCH_PIN === '0') return null
  pinnable ??= availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0
  if (!pinnable) return null
  return role === 'load' ? 0 : 1
}

/** True when children are pinned to CPUs (see {@link CpuRole}); said in the results. */
export function childrenPinned(): boolean {
  return cpuFor('server') !== null
}

/** Starts `script` (a path relative to this directory) under node with tsx and IPC. */
export function startChild(
  script: string,
  env: Record<string, string>,
  role?: CpuRole,
): ChildProcess {
  hookExit()
  const path = fileURLToPath(new URL(script, import.meta.url))
  const cpu = cpuFor(role)
  const node = [
    process.execPath,
    ...(process.env.BENCH_NODE_ARGS?.split(' ') ?? []),
    '--import',
    'tsx',
    // Serves sessionkit from its build when BENCH_BUILD is set (build.ts); a no-op otherwise.
    '--import',
    USE_BUILD,
    path,
  ]
  const [command, ...args] = cpu === null ? node : ['taskset', '-c', String(cpu), ...node]
  const child = spawn(command as string, args, {
    // `--import tsx` resolves from the working directory: the repository's, wherever we run.
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  })
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

/**
 * The first message from `child` that `accept` returns a value for; rejects when `accept`
 * throws, when the child exits first, or when `ms` pass.
 */
export function nextMessage<T>(
  child: ChildProcess,
  accept: (message: unknown) => T | undefined,
  ms: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    const onMessage = (message: unknown): void => {
      let value: T | undefined
      try {
        value = accept(message)
      } catch (error) {
        cleanup()
        reject(error)
        return
      }
      if (value === undefined) return
      cleanup()
      resolve(value)
    }
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup()
      reject(new Error(`${what}: the process exited (${signal ?? `code ${code}`})`))
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`${what}: no answer within ${ms} ms`))
    }, ms)
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

/** Kills `child` unless it has exited within `ms`. */
export async function stopChild(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve()
    }, ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}
