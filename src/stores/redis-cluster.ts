/**
 * Redis Cluster addressing: node lists as the `cluster` option and `redis-cluster://` URLs
 * give them. (How the store stays correct across slots is in redis.ts and the docs.)
 * @module
 */

import { InvalidConfigError } from '../core/errors.js'
import type { RedisNodeAddress } from './redis-client.js'

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/?#@[\]]+)):(\d{1,5})$/

function port(value: string | number, field: string): number {
  const n = typeof value === 'number' ? value : Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 65_535) {
    throw new InvalidConfigError(field, 'each node needs a port from 1 to 65535')
  }
  return n
}

/** `host:port` or `[ipv6]:port` as an address; InvalidConfigError otherwise. */
export function parseNode(text: string, field: string): RedisNodeAddress {
  const match = HOST_PORT.exec(text.trim())
  const host = match?.[1] ?? match?.[2]
  if (match === null || host === undefined || match[3] === undefined) {
    throw new InvalidConfigError(field, 'each node must be "host:port", e.g. "10.0.0.1:6379"')
  }
  return { host, port: port(match[3], field) }
}

/** The `cluster` option as a checked, non-empty list of addresses. */
export function clusterNodes(
  nodes: readonly (string | RedisNodeAddress)[],
  field = 'cluster',
): RedisNodeAddress[] {
  if (!Array.isArray(nodes) || nodes.length === 0) {
    throw new InvalidConfigError(field, 'must list at least one node, e.g. ["10.0.0.1:6379"]')
  }
  return nodes.map((node) => {
    if (typeof node === 'string') return parseNode(node, field)
    if (typeof node !== 'object' || node === null || typeof node.host !== 'string' || !node.host) {
      throw new InvalidConfigError(field, 'each node must be "host:port" or { host, port }')
    }
    return { host: node.host, port: port(node.port, field) }
  })
}

/** What a `redis-cluster://` URL's body says. */
export interface ClusterUrl {
  nodes: RedisNodeAddress[]
  username: string | undefined
  password: string | undefined
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch (error) {
    throw new InvalidConfigError(
      'store',
      'the credentials of a redis-cluster: URL have a malformed %-escape',
      {
        cause: error,
      },
    )
  }
}

/**
 * Reads `//[user[:password]@]host:port,host:port[/]`, the body of a `redis-cluster:` URL.
 * The credentials apply to every node. Errors never repeat the URL (it may hold a password).
 */
export function parseClusterUrl(body: string): ClusterUrl {
  if (!body.startsWith('//')) {
    throw new InvalidConfigError(
      'store',
      'write a cluster as "redis-cluster://host:port,host:port"',
    )
  }
  let rest = body.slice(2)
  if (rest.endsWith('/')) rest = rest.slice(0, -1)
  let username: string | undefined
  let password: string | undefined
  const at = rest.lastIndexOf('@')
  if (at !== -1) {
    const userinfo = rest.slice(0, at)
    rest = rest.slice(at + 1)
    const colon = userinfo.indexOf(':')
    const user = decode(colon === -1 ? userinfo : userinfo.slice(0, colon))
    username = user === '' ? undefined : user
    password = colon === -1 ? undefined : decode(userinfo.slice(colon + 1))
  }
  if (rest.includes('/')) {
    throw new InvalidConfigError(
      'store',
      'a redis-cluster: URL has no database path (a cluster has only db 0)',
    )
  }
  const nodes = rest.split(',').map((node) => parseNode(node, 'store'))
  return { nodes, username, password }
}
