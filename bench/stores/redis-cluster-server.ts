/**
 * A throwaway three-master Redis Cluster on free loopback ports, for the `redis-cluster`
 * benchmark: started with the `redis-server` and `redis-cli` on PATH (no persistence, files in
 * a temp dir), stopped by killing exactly the processes it started.
 * @module
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A running cluster. */
export interface LocalCluster {
  ports: number[]
  stop(): Promise<void>
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** `count` ports from 17000 up whose cluster bus ports (+10000) are free too. */
async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = []
  for (let port = 17_000; ports.length < count && port < 17_500; port++) {
    if ((await portFree(port)) && (await portFree(port + 10_000))) ports.push(port)
  }
  if (ports.length < count) throw new Error('no free loopback ports for a Redis Cluster')
  return ports
}

async function clusterOk(port: number): Promise<boolean> {
  try {
    const { stdout } = await run('redis-cli', ['-p', String(port), 'CLUSTER', 'INFO'], {
      timeout: 2000,
    })
    return stdout.includes('cluster_state:ok')
  } catch {
    return false
  }
}

/** Starts the cluster, or throws (after stopping whatever it started) within about 30 s. */
export async function startLocalCluster(masters = 3): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-bench-cluster-'))
  const children: ChildProcess[] = []
  const killAll = (): void => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  }
  process.once('exit', killAll)
  const stop = async (): Promise<void> => {
    const exited = children.map((child) =>
      child.exitCode === null && child.signalCode === null
        ? new Promise((resolve) => child.once('exit', resolve))
        : Promise.resolve(),
    )
    killAll()
    await Promise.all(exited)
    process.off('exit', killAll)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const ports = await freePorts(masters)
    for (const port of ports) {
      const child = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes'],
          ...['--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir],
          ...['--save', '', '--appendonly', 'no', '--cluster-node-timeout', '5000'],
        ],
        { stdio: 'ignore' },
      )
      children.push(child)
    }
    const addresses = ports.map((port) => `127.0.0.1:${port}`)
    for (let attempt = 0; ; attempt++) {
      try {
        await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-yes'], {
          timeout: 15_000,
        })
        break
      } catch (error) {
        // The nodes may not listen yet.
        if (attempt >= 10) throw error
        await sleep(300)
      }
    }
    for (let attempt = 0; attempt < 100; attempt++) {
      const states = await Promise.all(ports.map(clusterOk))
      if (states.every(Boolean)) return { ports, stop }
      await sleep(200)
    }
    throw new Error('the cluster did not reach cluster_state:ok')
  } catch (error) {
    await stop()
    throw error
  }
}
