/**
 * Sealed cookies (CookieStore: the session lives in AES-256-GCM seals, split over numbered
 * cookies when large) under attack: any byte changed, chunks truncated, extended, swapped,
 * dropped or duplicated, the seal copied under another cookie name, and oversized cookies.
 * Every variant must load as a fresh session without throwing; oversized ones must be refused
 * before any decryption is even started.
 */
import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SessionManager } from '../../src/core/manager.js'
import { CookieStore } from '../../src/stores/cookie.js'
import { countDecryptions } from './support/decrypt-counter.js'
import { b64urlString } from './support/hostile-cookies.js'

const SECRET = randomBytes(32).toString('base64url')
const SEED = 20_261_129
/** Enough incompressible data that the seal needs three cookies. */
const BIG = randomBytes(7000).toString('base64url')
const MARK = `mark-${randomBytes(8).toString('hex')}`

type Chunks = Array<[name: string, value: string]>

function managerFor(name: string): SessionManager {
  return new SessionManager({
    store: new CookieStore({ maxChunks: 4 }),
    secrets: [SECRET],
    cookie: { secure: false, name },
    cleanupInterval: null,
  })
}

const header = (chunks: Chunks) => chunks.map(([n, v]) => `${n}=${v}`).join('; ')

function chunksOf(lines: string[]): Chunks {
  return lines.map((line) => {
    const pair = line.split(';')[0] ?? ''
    const eq = pair.indexOf('=')
    return [pair.slice(0, eq), pair.slice(eq + 1)]
  })
}

const manager = managerFor('sid')
const other = managerFor('other')
let big: Chunks
let small: Chunks

beforeAll(async () => {
  const large = await manager.load()
  large.set('mark', MARK)
  large.set('big', BIG)
  big = chunksOf(await manager.commit(large))
  const little = await manager.load()
  little.set('mark', MARK)
  small = chunksOf(await manager.commit(little))
})

afterAll(async () => {
  await manager.close()
  await other.close()
})

/** A change to one chunk value that always leaves it different (no whitespace, no quotes). */
function changedValue(value: string): fc.Arbitrary<string> {
  const at = fc.nat({ max: value.length - 1 })
  return fc.oneof(
    fc
      .tuple(at, b64urlString(1))
      .filter(([i, c]) => value[i] !== c)
      .map(([i, c]) => `${value.slice(0, i)}${c}${value.slice(i + 1)}`),
    at.map((i) => value.slice(0, i)),
    fc.tuple(at, fc.constantFrom('.', '~', '0', '1', '9')).map(([i, c]) => {
      const replaced = `${value.slice(0, i)}${c}${value.slice(i + 1)}`
      return replaced === value ? `${value}${c}` : replaced
    }),
    b64urlString(1).map((tail) => `${value}${tail}`),
  )
}

/** The chunk list after one attack; never equal to the original. */
function attacked(chunks: Chunks): fc.Arbitrary<Chunks> {
  const index = fc.nat({ max: chunks.length - 1 })
  const single = chunks.length === 1
  const variants: fc.Arbitrary<Chunks>[] = [
    index.chain((i) =>
      changedValue(chunks[i]?.[1] ?? '').map((value) =>
        chunks.map(([n, v], j): [string, string] => [n, j === i ? value : v]),
      ),
    ),
    // Bit flips anywhere in the decoded bytes of a chunk, re-encoded as base64url.
    fc.tuple(index, fc.nat(), fc.integer({ min: 0, max: 7 })).map(([i, byte, bit]) => {
      const value = chunks[i]?.[1] ?? ''
      const prefix = value.slice(0, value.lastIndexOf('.') + 1)
      const body = Buffer.from(value.slice(prefix.length), 'base64url')
      const at = byte % body.length
      body[at] = (body[at] ?? 0) ^ (1 << bit)
      return chunks.map(([n, v], j): [string, string] => [
        n,
        j === i ? `${prefix}${body.toString('base64url')}` : v,
      ])
    }),
  ]
  if (!single) {
    variants.push(
      // Two chunks' values swapped.
      fc
        .tuple(index, index)
        .filter(([a, b]) => a !== b)
        .map(([a, b]) =>
          chunks.map(([n], j): [string, string] => {
            const from = j === a ? b : j === b ? a : j
            return [n, chunks[from]?.[1] ?? '']
          }),
        ),
      // A chunk dropped.
      index.map((i) => chunks.filter((_, j) => j !== i)),
      // A chunk's value repeated in place of its neighbour.
      index.map((i) =>
        chunks.map(([n, v], j): [string, string] => [
          n,
          j === (i + 1) % chunks.length ? (chunks[i]?.[1] ?? v) : v,
        ]),
      ),
    )
  }
  return fc.oneof(...variants)
}

describe('sealed cookies under attack', () => {
  it('the untouched cookies load the seeded session (the properties are not vacuous)', async () => {
    expect(big.length).toBeGreaterThanOrEqual(3)
    expect((await manager.load(header(big))).get('mark')).toBe(MARK)
    expect((await manager.load(header(small))).get('mark')).toBe(MARK)
  })

  for (const [label, pick] of [
    ['one cookie', () => small],
    ['three chunks', () => big],
  ] as const) {
    it(`${label}: 1,500 attacked variants never throw and never open`, async () => {
      const original = pick()
      await fc.assert(
        fc.asyncProperty(attacked(original), async (chunks) => {
          const session = await manager.load(header(chunks))
          expect(session.get('mark')).toBeUndefined()
          expect(session.isNew).toBe(true)
        }),
        { numRuns: 1500, seed: SEED },
      )
    })
  }

  it('a seal copied under another cookie name is refused (the name is bound into the seal)', async () => {
    for (const chunks of [small, big]) {
      const renamed = chunks.map(([n, v]): [string, string] => [n.replace(/^sid/, 'other'), v])
      const session = await other.load(header(renamed))
      expect(session.get('mark')).toBeUndefined()
      expect(session.isNew).toBe(true)
    }
  })
})

describe('oversized sealed cookies are refused before any decryption', () => {
  it('the counter sees the decryption of a valid cookie', async () => {
    expect(await countDecryptions(async () => void (await manager.load(header(small))))).toBe(1)
  })

  it('a single cookie over 4096 bytes', async () => {
    const [name, value] = small[0] ?? ['', '']
    // Still shaped like a seal (s1.<key id>.<iv>.<body>), only longer: it would reach AES-GCM.
    const huge = `${value}${'A'.repeat(5000)}`
    const decryptions = await countDecryptions(async () => {
      const session = await manager.load(`${name}=${huge}`)
      expect(session.isNew).toBe(true)
    })
    expect(decryptions).toBe(0)
  })

  it('more chunks than maxChunks, each under the limit', async () => {
    const [first, ...rest] = big
    const body = `${first?.[1].replace(/^\d+~/, '') ?? ''}${rest.map(([, v]) => v).join('')}`
    const count = 9
    const size = Math.ceil(body.length / count)
    const parts = Array.from({ length: count }, (_, i) => body.slice(i * size, (i + 1) * size))
    const chunks: Chunks = parts.map((part, i) => [
      i === 0 ? 'sid' : `sid.${i}`,
      i === 0 ? `${count}~${part}` : part,
    ])
    const decryptions = await countDecryptions(async () => {
      const session = await manager.load(header(chunks))
      expect(session.get('mark')).toBeUndefined()
    })
    expect(decryptions).toBe(0)
  })

  it('a chunk over 4096 bytes within maxChunks', async () => {
    const chunks = big.map(([n, v], i): [string, string] => [
      n,
      i === 1 ? `${v}${'A'.repeat(4200)}` : v,
    ])
    const decryptions = await countDecryptions(async () => {
      const session = await manager.load(header(chunks))
      expect(session.get('mark')).toBeUndefined()
    })
    expect(decryptions).toBe(0)
  })
})
