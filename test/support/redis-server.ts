/**
 * Private redis-server processes for tests that stop and restart a server (failure tests) or
 * build a cluster: each listens on its own free loopback port, never on the shared 6379.
 * Every process started here is killed by `stop()`, and by a process exit hook as a last
 * resort, so a failing test leaks nothing.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { connect, createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

const HOST = '127.0.0.1'
/** Ports are picked at or above this, away from the usual service ports. */
const PORT_FLOOR = 20_000
/** redis-server's cluster bus listens on port + 10000, so the data port stays below this. */
const PORT_CEILING = 55_000

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** True when `redis-server` can be run on this machine. */
export function redisServerInstalled(): boolean {
  const result = spawnSync('redis-server', ['--version'], { stdio: 'ignore', timeout: 5000 })
  return result.status === 0
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, HOST, () => server.close(() => resolve(true)))
  })
}

/**
 * A port >= 20000 that is free on 127.0.0.1, and whose port + 10000 (the cluster bus) is free
 * too when `withBus`. Bounded: gives up after 200 candidates.
 */
export async function freePort(
  withBus = false,
  avoid: ReadonlySet<number> = new Set(),
): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORT_FLOOR + Math.floor(Math.random() * (PORT_CEILING - PORT_FLOOR))
    if (avoid.has(port) || (withBus && avoid.has(port + 10_000))) continue
    if (!(await portIsFree(port))) continue
    if (withBus && !(await portIsFree(port + 10_000))) continue
    return port
  }
  throw new Error('no free loopback port found for redis-server')
}

/** Sends one inline command and resolves to the first line of the reply (null on failure). */
export function redisCommand(
  port: number,
  command: string,
  timeoutMs = 1000,
): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port })
    let reply = ''
    const done = (value: string | null) => {
      socket.destroy()
      resolve(value)
    }
    socket.setTimeout(timeoutMs, () => done(null))
    socket.once('error', () => done(null))
    socket.once('connect', () => socket.write(`${command}\r\n`))
    socket.on('data', (chunk) => {
      reply += chunk.toString()
      if (reply.startsWith('$')) {
        // A bulk reply: wait for the whole body.
        const header = reply.indexOf('\r\n')
        const length = Number(reply.slice(1, header))
        if (length < 0) return done('')
        if (reply.length >= header + 2 + length) done(reply.slice(header + 2, header + 2 + length))
      } else if (reply.includes('\r\n')) {
        done(reply.slice(0, reply.indexOf('\r\n')))
      }
    })
  })
}

/** Polls `check` every 50 ms until it is true; false after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(50)
  }
  return false
}

/** One private redis-server process. */
export interface RedisServer {
  readonly port: number
  /** Kills the process with SIGKILL (a crash) and waits for it to exit. Idempotent. */
  kill(): Promise<void>
  /** Starts it again on the same port (after kill) and waits until it answers PING. */
  start(): Promise<void>
  /** Freezes the process (SIGSTOP): connections stay open but nothing answers. */
  pause(): void
  /** Thaws it (SIGCONT). */
  resume(): void
  /** Kills it for good. */
  stop(): Promise<void>
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * Starts `redis-server` with persistence off on `port` (a free one when omitted) with extra
 * arguments, and waits until it answers PING (10 s at most).
 */
export async function startRedisServer(
  options: { port?: number; args?: readonly string[]; cwd?: string } = {},
): Promise<RedisServer> {
  const port = options.port ?? (await freePort())
  let child: ChildProcess | undefined
  const launch = async () => {
    const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no']
    const spawned = spawn('redis-server', [...args, ...(options.args ?? [])], {
      stdio: 'ignore',
      cwd: options.cwd,
    })
    child = spawned
    running.add(spawned)
    spawned.once('exit', () => running.delete(spawned))
    spawned.once('error', () => running.delete(spawned))
    const up = await waitFor(async () => {
      if (spawned.exitCode !== null) return true
      return (await redisCommand(port, 'PING', 500)) === '+PONG'
    }, 10_000)
    if (!up || spawned.exitCode !== null) {
      spawned.kill('SIGKILL')
      throw new Error(`redis-server did not come up on port ${port}`)
    }
  }
  const kill = async () => {
    const current = child
    if (current === undefined) return
    child = undefined
    current.kill('SIGKILL')
    await exited(current)
  }
  await launch()
  return {
    port,
    kill,
    async start() {
      if (child !== undefined) return
      await launch()
    },
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    stop: kill,
  }
}
