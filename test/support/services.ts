/**
 * Gate for tests that need a real server (PostgreSQL, MariaDB, Redis…). On a laptop without the
 * server, the test skips with a visible reason; under SESSIONKIT_REQUIRE_SERVICES=1 (set by
 * .ci/run) an unreachable server fails the run instead, so CI can never go green by skipping.
 */
import { connect } from 'node:net'
import { describe, it } from 'vitest'

export const servicesRequired = process.env.SESSIONKIT_REQUIRE_SERVICES === '1'

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function isReachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

export type GateDecision = { run: true } | { run: false; skipReason: string }

/**
 * Decides whether a test that needs `service` runs. Throws when the service is required (CI)
 * but unreachable, so the suite fails loudly rather than skipping.
 */
export function decideGate(
  service: string,
  reachable: boolean,
  required = servicesRequired,
): GateDecision {
  if (reachable) return { run: true }
  if (required) {
    throw new Error(
      `${service} is unreachable but SESSIONKIT_REQUIRE_SERVICES=1: start it (see .ci/run) instead of skipping`,
    )
  }
  return { run: false, skipReason: `${service} is not reachable on this machine; skipping` }
}

/** Probes host:port and returns the gate decision (see decideGate). */
export async function requireService(
  service: string,
  host: string,
  port: number,
): Promise<GateDecision> {
  return decideGate(service, await isReachable(host, port))
}

/**
 * `describe(name, body)` when the gate lets the tests run; otherwise one skipped test whose
 * name carries the reason, so the skip is visible in the report.
 */
export function describeWithService(gate: GateDecision, name: string, body: () => void): void {
  if (gate.run) {
    describe(name, body)
  } else {
    describe(name, () => {
      it.skip(`skipped: ${gate.skipReason}`, () => {})
    })
  }
}
