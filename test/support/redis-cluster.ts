/**
 * A throwaway Redis Cluster for tests: three masters (optionally each with a replica) on free
 * loopback ports (each port and its cluster bus, port + 10000, checked free), joined with
 * `redis-cli --cluster create`, torn down (processes killed, temp dir removed) by `stop()`.
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
  /** Every node's process (masters first, then replicas as created), to kill and restart. */
  readonly servers: readonly RedisServer[]
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

/** True when the node on `port` reports `cluster_state:ok`. */
export async function clusterOk(port: number): Promise<boolean> {
  const info = await redisCommand(port, 'CLUSTER INFO', 1000)
  return info?.includes('cluster_state:ok') ?? false
}

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** Replicas per master (redis-cli `--cluster-replicas`). @default 0 */
  replicas?: number
  /**
   * `cluster-node-timeout`: how long a node may be unreachable before it counts as failed
   * and a replica takes over. @default 5000
   */
  nodeTimeoutMs?: number
}

/**
 * Starts a cluster of `masters` masters (and `replicas` replicas each) and resolves once every
 * node reports `cluster_state:ok` (and every replica's link to its master is up). Whatever
 * fails half-way is torn down before the error is thrown.
 */
export async function startRedisCluster(
  masters = 3,
  options: RedisClusterOptions = {},
): Promise<RedisClusterHandle> {
  const replicas = options.replicas ?? 0
  const nodeTimeout = options.nodeTimeoutMs ?? 5000
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-redis-cluster-'))
  const servers: RedisServer[] = []
  const stop = async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const taken = new Set<number>()
    for (let i = 0; i < masters * (1 + replicas); i++) {
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
            String(nodeTimeout),
          ],
        }),
      )
    }
    const addresses = servers.map((server) => `127.0.0.1:${server.port}`)
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...addresses,
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      30_000,
    )
    const ok = await waitFor(async () => {
      const states = await Promise.all(servers.map((server) => clusterOk(server.port)))
      if (!states.every(Boolean)) return false
      // A replica that has not finished its first sync would make a failover test lose writes
      // that were never replicated for reasons that have nothing to do with the failover.
      const roles = await clusterRoles(servers[0]?.port ?? 0)
      const replicaPorts = roles.filter((node) => node.role === 'replica').map((node) => node.port)
      if (replicaPorts.length !== masters * replicas) return false
      const links = await Promise.all(
        replicaPorts.map((port) => redisCommand(port, 'INFO replication', 1000)),
      )
      return links.every((info) => info?.includes('master_link_status:up') ?? false)
    }, 20_000)
    if (!ok) throw new Error('the test cluster did not reach cluster_state:ok')
  } catch (error) {
    await stop()
    throw error
  }
  const nodes = servers
    .slice(0, masters)
    .map((server) => ({ host: '127.0.0.1', port: server.port }))
  return {
    nodes,
    servers,
    url: `redis-cluster://${nodes.map((node) => `${node.host}:${node.port}`).join(',')}`,
    stop,
  }
}

/** One node as CLUSTER NODES describes it. */
export interface ClusterNodeInfo {
  id: string
  port: number
  role: 'master' | 'replica'
  /** The master's node ID for a replica, null for a master. */
  masterId: string | null
  /** True when the node is flagged failed (`fail`) or unreachable as far as `port` knows. */
  failed: boolean
  /** The slot ranges a master serves, e.g. `['0-5460']`. */
  slots: string[]
}

/** The cluster's nodes as the node on `port` sees them (empty when it does not answer). */
export async function clusterRoles(port: number): Promise<ClusterNodeInfo[]> {
  const text = await redisCommand(port, 'CLUSTER NODES', 1000)
  if (text === null || text.startsWith('-')) return []
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [id = '', address = '', flags = '', master = '-', , , , , ...slots] = line.split(' ')
      const flagList = flags.split(',')
      return {
        id,
        port: Number(address.split('@')[0]?.split(':').at(-1)),
        role: flagList.includes('master') ? ('master' as const) : ('replica' as const),
        masterId: master === '-' ? null : master,
        failed: flagList.includes('fail') || flagList.includes('fail?'),
        slots,
      }
    })
}
