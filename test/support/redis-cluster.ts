/**
 * A throwaway Redis Cluster for tests: three masters on free loopback ports (each port and its
 * cluster bus, port + 10000, checked free), joined with `redis-cli --cluster create`, torn
 * down (processes killed, temp dir removed) by `stop()`.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  freePort,
  type RedisServer,
  redisCommand,
  startRedisServer,
  waitFor,
} from './redis-server.js'

/** A running test cluster. */
export interface RedisClusterHandle {
  /** The masters, as `{ host, port }`. */
  readonly nodes: readonly { host: string; port: number }[]
  /** `redis-cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3` for openStore. */
  readonly url: string
  /** Kills every node and removes the temp dir. Idempotent. */
  stop(): Promise<void>
}

function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(output)
      else reject(new Error(`${command} exited with ${code}: ${output.slice(-500)}`))
    })
  })
}

async function clusterOk(port: number): Promise<boolean> {
  const info = await redisCommand(port, 'CLUSTER INFO', 1000)
  return info?.includes('cluster_state:ok') ?? false
}

/**
 * Starts a 3-master cluster (no replicas) and resolves once every node reports
 * `cluster_state:ok`. Whatever fails half-way is torn down before the error is thrown.
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-redis-cluster-'))
  const servers: RedisServer[] = []
  const stop = async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const taken = new Set<number>()
    for (let i = 0; i < masters; i++) {
      const port = await freePort(true, taken)
      taken.add(port)
      taken.add(port + 10_000)
      servers.push(
        await startRedisServer({
          port,
          cwd: dir,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            '5000',
          ],
        }),
      )
    }
    const addresses = servers.map((server) => `127.0.0.1:${server.port}`)
    await run(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      30_000,
    )
    const ok = await waitFor(async () => {
      const states = await Promise.all(servers.map((server) => clusterOk(server.port)))
      return states.every(Boolean)
    }, 20_000)
    if (!ok) throw new Error('the test cluster did not reach cluster_state:ok')
  } catch (error) {
    await stop()
    throw error
  }
  const nodes = servers.map((server) => ({ host: '127.0.0.1', port: server.port }))
  return {
    nodes,
    url: `redis-cluster://${nodes.map((node) => `${node.host}:${node.port}`).join(',')}`,
    stop,
  }
}
