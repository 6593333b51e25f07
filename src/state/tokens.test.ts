import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  CapabilityUnsupportedError,
  InvalidConfigError,
  InvalidSessionDataError,
  StoreUnavailableError,
} from '../core/errors.js'
import type { JsonValue, Store } from '../core/store.js'
import { ManualClock } from '../core/time.js'
import { CookieStore } from '../stores/cookie.js'
import { MemoryStore } from '../stores/memory.js'
import { StateTokens } from './tokens.js'

const stores: MemoryStore[] = []
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()))
})

function setup(options: { clock?: ManualClock; maxTtl?: '1h' } = {}) {
  const store = new MemoryStore({ sweepInterval: 0 })
  stores.push(store)
  return { store, tokens: new StateTokens({ store, ...options }) }
}

describe('StateTokens construction', () => {
  it('refuses a store without the tokens capability', () => {
    const store = new MemoryStore({ sweepInterval: 0 })
    stores.push(store)
    // A store that has the methods but does not declare them is still refused.
    const without: Store = Object.assign(Object.create(store) as Store, {
      name: 'no-tokens',
      capabilities: { ...store.capabilities, tokens: false },
    })
    expect(() => new StateTokens({ store: without })).toThrow(CapabilityUnsupportedError)
  })

  it('refuses the sealed-cookie store, which has no server side to consume from', () => {
    expect(() => new StateTokens({ store: new CookieStore() })).toThrow(CapabilityUnsupportedError)
  })

  it('refuses a missing store and bad durations with InvalidConfigError naming the field', () => {
    const store = new MemoryStore({ sweepInterval: 0 })
    stores.push(store)
    const cases: Array<[unknown, string]> = [
      [{}, 'store'],
      [{ store, defaultTtl: 0 }, 'defaultTtl'],
      [{ store, defaultTtl: '10 minutes' }, 'defaultTtl'],
      [{ store, maxTtl: -1 }, 'maxTtl'],
      [{ store, defaultTtl: '2h', maxTtl: '1h' }, 'defaultTtl'],
    ]
    for (const [options, field] of cases) {
      const attempt = () => new StateTokens(options as ConstructorParameters<typeof StateTokens>[0])
      expect(attempt).toThrow(InvalidConfigError)
      try {
        attempt()
      } catch (error) {
        expect((error as InvalidConfigError).field).toBe(field)
      }
    }
  })
})

describe('StateTokens.issue and consume', () => {
  it('issues 43-character base64url tokens and returns the payload exactly once', async () => {
    const { tokens } = setup()
    const payload = { returnTo: '/cart?x=1', n: 1, nested: { list: [true, 'é', null] } }
    const token = await tokens.issue({ purpose: 'oauth', payload })
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await tokens.consume(token, 'oauth')).toEqual(payload)
    expect(await tokens.consume(token, 'oauth')).toBeNull()
  })

  it('defaults the payload to {} and keeps it a detached copy', async () => {
    const { tokens } = setup()
    expect(await tokens.consume(await tokens.issue({ purpose: 'p' }), 'p')).toEqual({})
    const payload = { list: [1] }
    const token = await tokens.issue({ purpose: 'p', payload })
    payload.list.push(2)
    expect(await tokens.consume(token, 'p')).toEqual({ list: [1] })
  })

  it('round-trips every kind of JSON payload but null', async () => {
    const { tokens } = setup()
    const values: JsonValue[] = ['', 's', 0, -1.5, false, true, [], {}, [null, { a: 'b' }], '🎉']
    for (const value of values) {
      const token = await tokens.issue({ purpose: 'any', payload: value as string })
      expect(await tokens.consume(token, 'any')).toEqual(value)
    }
  })

  it('gives a Date back as its ISO string, like session data', async () => {
    const { tokens } = setup()
    const at = new Date('2030-01-02T03:04:05.000Z')
    const token = await tokens.issue({
      purpose: 'p',
      payload: { at } as unknown as JsonValue & object,
    })
    expect(await tokens.consume(token, 'p')).toEqual({ at: at.toISOString() })
  })

  it('refuses a token under another purpose without using it up', async () => {
    const { tokens } = setup()
    const token = await tokens.issue({ purpose: 'magic-link', payload: { userId: 'u1' } })
    expect(await tokens.consume(token, 'oauth')).toBeNull()
    expect(await tokens.consume(token, 'magic-link ')).toBeNull()
    expect(await tokens.consume(token, 'Magic-link')).toBeNull()
    expect(await tokens.consume(token, 'magic-link')).toEqual({ userId: 'u1' })
  })

  it('stores only a hash: the raw token is not a store key and is nowhere in the value', async () => {
    const store = new MemoryStore({ sweepInterval: 0 })
    stores.push(store)
    const put = vi.spyOn(store, 'putToken')
    const consume = vi.spyOn(store, 'consumeToken')
    const tokens = new StateTokens({ store })
    const token = await tokens.issue({ purpose: 'p', payload: { a: 1 } })
    const [key, record] = put.mock.calls[0] ?? []
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(key).not.toBe(token)
    expect(JSON.stringify(record)).not.toContain(token)
    await tokens.consume(token, 'p')
    expect(consume.mock.calls[0]?.[0]).toBe(key)
  })

  it('expires after the TTL by the clock option, and the default TTL is 10 minutes', async () => {
    const clock = new ManualClock(1_000_000)
    const { tokens } = setup({ clock })
    const short = await tokens.issue({ purpose: 'p', ttl: '30s' })
    const byDefault = await tokens.issue({ purpose: 'p' })
    const justInTime = await tokens.issue({ purpose: 'p' })
    clock.advance(30_000)
    expect(await tokens.consume(short, 'p')).toBeNull()
    clock.advance(600_000 - 30_000 - 1)
    expect(await tokens.consume(justInTime, 'p')).toEqual({})
    clock.advance(1)
    expect(await tokens.consume(byDefault, 'p')).toBeNull()
  })

  it('gives null, with no store call and no exception, for malformed tokens and purposes', async () => {
    const { store, tokens } = setup()
    const consume = vi.spyOn(store, 'consumeToken')
    const token = await tokens.issue({ purpose: 'p' })
    const malformed: unknown[] = [
      '',
      'x',
      'a'.repeat(10_000),
      '../../',
      '../../etc/passwd',
      'é'.repeat(43),
      '🎉'.repeat(22),
      `${token} `,
      `${token}=`,
      token.slice(1),
      null,
      undefined,
      42,
      { token },
      [token],
    ]
    for (const value of malformed) {
      await expect(tokens.consume(value, 'p')).resolves.toBeNull()
    }
    for (const purpose of ['', ' ', 'a b', 'x'.repeat(129), 'é', 7 as unknown as string]) {
      await expect(tokens.consume(token, purpose)).resolves.toBeNull()
    }
    expect(consume).not.toHaveBeenCalled()
    expect(await tokens.consume(token, 'p')).toEqual({})
  })

  it('gives null for a well-formed token that was never issued', async () => {
    const { tokens } = setup()
    expect(await tokens.consume('A'.repeat(43), 'p')).toBeNull()
  })

  it('of 100 concurrent consumes of one token, exactly one gets the payload', async () => {
    const { tokens } = setup()
    const token = await tokens.issue({ purpose: 'p', payload: { once: true } })
    const results = await Promise.all(Array.from({ length: 100 }, () => tokens.consume(token, 'p')))
    expect(results.filter((result) => result !== null)).toEqual([{ once: true }])
  })

  it('refuses bad purposes and TTLs with InvalidConfigError, bad payloads with InvalidSessionDataError', async () => {
    const { tokens } = setup({ maxTtl: '1h' })
    const configCases: Array<[object, string]> = [
      [{ purpose: '' }, 'purpose'],
      [{ purpose: 'has space' }, 'purpose'],
      [{ purpose: 'x'.repeat(129) }, 'purpose'],
      [{}, 'purpose'],
      [{ purpose: 'p', ttl: 0 }, 'ttl'],
      [{ purpose: 'p', ttl: -5 }, 'ttl'],
      [{ purpose: 'p', ttl: 'soon' }, 'ttl'],
      [{ purpose: 'p', ttl: '2h' }, 'ttl'],
    ]
    for (const [options, field] of configCases) {
      const error = await tokens.issue(options as { purpose: string }).catch((e: unknown) => e)
      expect(error, JSON.stringify(options)).toBeInstanceOf(InvalidConfigError)
      expect((error as InvalidConfigError).field).toBe(field)
    }
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const payload of [null, Number.NaN, () => 1, Symbol('s'), cyclic, { big: 1n }]) {
      await expect(
        tokens.issue({ purpose: 'p', payload: payload as unknown as string }),
      ).rejects.toBeInstanceOf(InvalidSessionDataError)
    }
  })

  it('lets store failures through as StoreUnavailableError rather than a refusal', async () => {
    const { store, tokens } = setup()
    const token = await tokens.issue({ purpose: 'p' })
    await store.close()
    await expect(tokens.consume(token, 'p')).rejects.toBeInstanceOf(StoreUnavailableError)
    await expect(tokens.issue({ purpose: 'p' })).rejects.toBeInstanceOf(StoreUnavailableError)
  })

  it('types the payload by the type argument', async () => {
    const { tokens } = setup()
    const token = await tokens.issue<{ userId: string }>({ purpose: 'p', payload: { userId: 'u' } })
    const payload = await tokens.consume<{ userId: string }>(token, 'p')
    const userId: string | undefined = payload?.userId
    expect(userId).toBe('u')
  })
})
