import { randomBytes } from 'node:crypto'
import { readFileSync, readlinkSync } from 'node:fs'
import { hostname } from 'node:os'
import { hasCode } from './failures.js'

/** Who holds a lock file, as written into it. */
export interface LockOwner {
  pid: number
  host: string
  /** The kernel's boot ID: a reboot, or another machine with the same host name, differs. */
  boot: string
  /** The PID namespace: a container sharing the directory has PIDs of its own. */
  pidNs: string
  /** Unique to one acquisition, so a holder recognises its own lock file. */
  nonce: string
}

function readOr(read: () => string): string {
  try {
    return read().trim()
  } catch {
    // Not Linux: host name and PID alone identify the process.
    return ''
  }
}

let self: Omit<LockOwner, 'nonce'> | undefined

function thisProcess(): Omit<LockOwner, 'nonce'> {
  self ??= {
    pid: process.pid,
    host: hostname(),
    boot: readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    pidNs: readOr(() => readlinkSync('/proc/self/ns/pid')),
  }
  return self
}

/** A new owner record for this process, with a fresh nonce. */
export function newOwner(): LockOwner {
  return { ...thisProcess(), nonce: randomBytes(12).toString('base64url') }
}

/** The owner written in a lock file, or null when it is empty or unreadable. */
export function parseOwner(text: string): LockOwner | null {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null) return null
    const { pid, host, boot, pidNs, nonce } = value as Record<string, unknown>
    if (!Number.isSafeInteger(pid) || typeof host !== 'string' || typeof nonce !== 'string') {
      return null
    }
    if (typeof boot !== 'string' || typeof pidNs !== 'string') return null
    return { pid: pid as number, host, boot, pidNs, nonce }
  } catch {
    return null
  }
}

/**
 * True only when the owner is certainly gone: a process of this machine, this boot and this
 * PID namespace that no longer exists. Anything else (another host, a container with its own
 * PIDs, a PID now reused) may be alive and is left to the staleLockAfter rule.
 */
export function isGoneLocalOwner(owner: LockOwner): boolean {
  const me = thisProcess()
  if (owner.host !== me.host || owner.boot !== me.boot || owner.pidNs !== me.pidNs) return false
  // Our own PID: a lock of another copy of this module in this process, or a crashed
  // predecessor with our PID. Either way not provably dead.
  if (owner.pid === me.pid || owner.pid <= 0) return false
  try {
    process.kill(owner.pid, 0)
    return false
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return hasCode(err, 'ESRCH')
  }
}
