import { afterEach, describe, expect, it } from 'vitest'
import { InvalidConfigError } from '../core/errors.js'
import { ManualClock } from '../core/time.js'
import { MemoryStore } from '../stores/memory.js'
import { consumeMagicLink, issueMagicLink } from './magic-link.js'
import { StateTokens } from './tokens.js'

const stores: MemoryStore[] = []
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()))
})

function tokens(clock?: ManualClock): StateTokens {
  const store = new MemoryStore({ sweepInterval: 0 })
  stores.push(store)
  return new StateTokens({ store, ...(clock ? { clock } : {}) })
}

describe('magic links', () => {
  it('sign in once', async () => {
    const t = tokens()
    const token = await issueMagicLink(t, { email: 'ada@example.com', redirectTo: '/inbox' })
    expect(await consumeMagicLink(t, token)).toEqual({
      email: 'ada@example.com',
      userId: null,
      redirectTo: '/inbox',
    })
    expect(await consumeMagicLink(t, token)).toBeNull()
    const byUser = await issueMagicLink(t, { userId: 'u-42' })
    expect(await consumeMagicLink(t, byUser)).toEqual({
      email: null,
      userId: 'u-42',
      redirectTo: null,
    })
  })

  it('expire after 15 minutes by default, or the given TTL', async () => {
    const clock = new ManualClock(0)
    const t = tokens(clock)
    const byDefault = await issueMagicLink(t, { email: 'a@example.com' })
    const lastMinute = await issueMagicLink(t, { email: 'a@example.com' })
    const short = await issueMagicLink(t, { email: 'a@example.com', ttl: '5m' })
    clock.advance(5 * 60_000)
    expect(await consumeMagicLink(t, short)).toBeNull()
    clock.advance(10 * 60_000 - 1)
    expect(await consumeMagicLink(t, lastMinute)).not.toBeNull()
    clock.advance(1)
    expect(await consumeMagicLink(t, byDefault)).toBeNull()
  })

  it('are not OAuth states, and OAuth states are not magic links', async () => {
    const t = tokens()
    const token = await issueMagicLink(t, { userId: 'u' })
    expect(await t.consume(token, 'oauth:default')).toBeNull()
    const other = await t.issue({ purpose: 'oauth:default', payload: { userId: 'attacker' } })
    expect(await consumeMagicLink(t, other)).toBeNull()
    expect(await consumeMagicLink(t, token)).not.toBeNull()
  })

  it('give null for malformed tokens', async () => {
    const t = tokens()
    for (const token of ['', 'x', 'a'.repeat(10_000), '../../', 'ünïcödé', null, {}]) {
      await expect(consumeMagicLink(t, token)).resolves.toBeNull()
    }
  })

  it('need an email or a userId and a local redirect', async () => {
    const t = tokens()
    const bad: Array<[object, string]> = [
      [{}, 'email'],
      [{ email: '' }, 'email'],
      [{ userId: 7 }, 'userId'],
      [{ email: 'a@example.com', redirectTo: 'https://evil.example' }, 'redirectTo'],
      [{ email: 'a@example.com', ttl: 0 }, 'ttl'],
    ]
    for (const [options, field] of bad) {
      const error = await issueMagicLink(t, options).catch((e: unknown) => e)
      expect(error, JSON.stringify(options)).toBeInstanceOf(InvalidConfigError)
      expect((error as InvalidConfigError).field).toBe(field)
    }
  })
})
