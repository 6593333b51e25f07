/**
 * The `seal` suite: sealing and unsealing the same session with sessionkit (what a commit of
 * a cookie-store session does: JSON of the record, then AES-256-GCM under the key ring), with
 * iron-session 8 (`sealData` / `unsealData`) and with bare node:crypto AES-256-GCM (the limit).
 * All three seal the very same object: the one sessionkit puts in the cookie.
 * @module
 */
import { deepStrictEqual } from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { sealData, unsealData } from 'iron-session'
import { KeyRing } from '../../src/core/crypto.js'
import { unseal } from '../../src/core/seal.js'
import { sealPayload, unsealPayload } from '../../src/core/sealed.js'
import { compare, type Limits, type Op, type Result } from '../harness.js'
import { formatRate, formatRatio, printTable } from '../table.js'
import { SEAL_CASES, type SealCase } from './payloads.js'
import { rawGcm } from './raw-gcm.js'

/** The cookie name: sessionkit binds a seal to it as additional authenticated data. */
const CONTEXT = 'sid'

interface Implementation {
  name: string
  sealed: string
  seal: Op
  unseal: Op
}

async function implementations(
  testCase: SealCase,
): Promise<{ plaintextBytes: number; list: Implementation[] }> {
  const ring = new KeyRing([randomBytes(32).toString('base64url')])
  const password = randomBytes(32).toString('base64url')
  const raw = rawGcm(randomBytes(32))
  const { payload } = testCase

  const skSealed = sealPayload(ring, CONTEXT, payload)
  // Exactly the object sessionkit sealed, so the other two seal the same bytes of JSON.
  const plaintext = unseal(ring, skSealed, CONTEXT) ?? 'null'
  const object: unknown = JSON.parse(plaintext)
  const ironSealed = await sealData(object, { password })
  const rawSealed = raw.seal(object)

  // Every implementation must give back what it sealed, or its numbers mean nothing.
  deepStrictEqual(unsealPayload(ring, CONTEXT, skSealed), payload)
  deepStrictEqual(await unsealData(ironSealed, { password }), object)
  deepStrictEqual(raw.unseal(rawSealed), object)

  const list: Implementation[] = [
    {
      name: 'sessionkit (sealPayload / unsealPayload)',
      sealed: skSealed,
      seal: () => sealPayload(ring, CONTEXT, payload),
      unseal: () => unsealPayload(ring, CONTEXT, skSealed),
    },
    {
      name: 'iron-session 8 (sealData / unsealData)',
      sealed: ironSealed,
      seal: () => sealData(object, { password }),
      unseal: () => unsealData(ironSealed, { password }),
    },
    {
      name: 'node:crypto AES-256-GCM, fixed key (limit)',
      sealed: rawSealed,
      seal: () => raw.seal(object),
      unseal: () => raw.unseal(rawSealed),
    },
  ]
  return { plaintextBytes: Buffer.byteLength(plaintext), list }
}

/** One payload at one concurrency, as runSealSuite returns it. */
export interface SealTable {
  payload: string
  concurrency: number
  /** Implementation names: sessionkit's, iron-session's, the raw AES-256-GCM limit's. */
  sessionkit: string
  iron: string
  raw: string
  seals: Map<string, Result>
  unseals: Map<string, Result>
}

async function runCase(testCase: SealCase, limits: Limits): Promise<SealTable> {
  const { plaintextBytes, list } = await implementations(testCase)
  const seals = await compare(new Map(list.map((impl) => [impl.name, impl.seal])), limits)
  const unseals = await compare(new Map(list.map((impl) => [impl.name, impl.unseal])), limits)
  const iron = list[1]?.name ?? ''
  const rows = list.map((impl) => [
    impl.name,
    String(impl.sealed.length),
    formatRate(seals.get(impl.name)),
    formatRate(unseals.get(impl.name)),
    formatRatio(seals.get(impl.name), seals.get(iron)),
    formatRatio(unseals.get(impl.name), unseals.get(iron)),
  ])
  printTable(
    `seal: ${testCase.name} (${plaintextBytes} B of JSON sealed), ${limits.concurrency} in flight`,
    [
      'implementation',
      'sealed B',
      'seal ops/s',
      'unseal ops/s',
      'seal vs iron-session',
      'unseal vs iron-session',
    ],
    rows,
  )
  return {
    payload: testCase.name,
    concurrency: limits.concurrency,
    sessionkit: list[0]?.name ?? '',
    iron,
    raw: list[2]?.name ?? '',
    seals,
    unseals,
  }
}

/**
 * Runs the suite: each payload one call at a time (the cost of one seal), then with
 * `limits.concurrency` calls in flight (a busy server: iron-session's Web Crypto calls may use
 * libuv's thread pool, sessionkit's synchronous calls one core).
 */
export async function runSealSuite(limits: Limits): Promise<SealTable[]> {
  const levels = [...new Set([1, limits.concurrency])]
  const tables: SealTable[] = []
  for (const concurrency of levels) {
    for (const testCase of SEAL_CASES)
      tables.push(await runCase(testCase, { ...limits, concurrency }))
  }
  return tables
}
