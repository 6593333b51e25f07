import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { InvalidConfigError } from '../core/errors.js'
import { ManualClock } from '../core/time.js'
import { MemoryStore } from '../stores/memory.js'
import { consumeOAuthState, createOAuthState, pkceChallenge } from './oauth.js'
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

const SESSION = 'session-id-of-this-browser'

describe('pkceChallenge', () => {
  it('matches the RFC 7636 appendix B example', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    )
  })
})

describe('createOAuthState / consumeOAuthState', () => {
  it('gives a state and an S256 PKCE pair, and the verifier back once at the callback', async () => {
    const t = tokens()
    const auth = await createOAuthState(t, {
      binding: SESSION,
      returnTo: '/settings?tab=2',
      extra: { nonce: 'n-1' },
    })
    expect(auth.state).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // RFC 7636 4.1: 43 to 128 characters of the unreserved set.
    expect(auth.codeVerifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/)
    expect(auth.codeChallengeMethod).toBe('S256')
    expect(auth.codeChallenge).toBe(
      createHash('sha256').update(auth.codeVerifier).digest('base64url'),
    )
    const flow = await consumeOAuthState(t, auth.state, { binding: SESSION })
    expect(flow).toEqual({
      codeVerifier: auth.codeVerifier,
      returnTo: '/settings?tab=2',
      extra: { nonce: 'n-1' },
    })
    expect(await consumeOAuthState(t, auth.state, { binding: SESSION })).toBeNull()
  })

  it('makes a fresh verifier every time', async () => {
    const t = tokens()
    const verifiers = new Set<string>()
    for (let i = 0; i < 20; i++) {
      verifiers.add((await createOAuthState(t, { binding: null })).codeVerifier)
    }
    expect(verifiers.size).toBe(20)
  })

  it('refuses a state finished by another browser, and uses it up', async () => {
    const t = tokens()
    const auth = await createOAuthState(t, { binding: SESSION })
    expect(await consumeOAuthState(t, auth.state, { binding: 'victim-session' })).toBeNull()
    expect(await consumeOAuthState(t, auth.state, { binding: SESSION })).toBeNull()

    const unbound = await createOAuthState(t, { binding: null })
    expect(await consumeOAuthState(t, unbound.state, { binding: SESSION })).toBeNull()
    const bound = await createOAuthState(t, { binding: SESSION })
    expect(await consumeOAuthState(t, bound.state, { binding: null })).toBeNull()
  })

  it('keeps providers apart: a github state is no google state', async () => {
    const t = tokens()
    const auth = await createOAuthState(t, { binding: SESSION, provider: 'github' })
    expect(await consumeOAuthState(t, auth.state, { binding: SESSION })).toBeNull()
    expect(
      await consumeOAuthState(t, auth.state, { binding: SESSION, provider: 'google' }),
    ).toBeNull()
    const flow = await consumeOAuthState(t, auth.state, { binding: SESSION, provider: 'github' })
    expect(flow?.codeVerifier).toBe(auth.codeVerifier)
  })

  it('expires with the TTL (10 minutes by default)', async () => {
    const clock = new ManualClock(0)
    const t = tokens(clock)
    const byDefault = await createOAuthState(t, { binding: null })
    const short = await createOAuthState(t, { binding: null, ttl: '1m' })
    clock.advance(60_000)
    expect(await consumeOAuthState(t, short.state, { binding: null })).toBeNull()
    clock.advance(540_000)
    expect(await consumeOAuthState(t, byDefault.state, { binding: null })).toBeNull()
  })

  it('gives null for malformed states and options, never an exception', async () => {
    const t = tokens()
    for (const state of ['', 'x', 'a'.repeat(10_000), '../../', '💥', null, undefined, 3]) {
      await expect(consumeOAuthState(t, state, { binding: SESSION })).resolves.toBeNull()
    }
    const auth = await createOAuthState(t, { binding: SESSION })
    await expect(
      consumeOAuthState(t, auth.state, { binding: SESSION, provider: 'bad provider' }),
    ).resolves.toBeNull()
    await expect(
      consumeOAuthState(t, auth.state, { binding: 5 as unknown as string }),
    ).resolves.toBeNull()
  })

  it('refuses an open redirect, a bad provider and a missing binding at creation', async () => {
    const t = tokens()
    const bad: Array<[object, string]> = [
      [{ binding: SESSION, returnTo: 'https://evil.example/' }, 'returnTo'],
      [{ binding: SESSION, returnTo: '//evil.example/' }, 'returnTo'],
      [{ binding: SESSION, returnTo: '/\\evil.example/' }, 'returnTo'],
      [{ binding: SESSION, returnTo: '/\t/evil.example/' }, 'returnTo'],
      [{ binding: SESSION, returnTo: 'javascript:alert(1)' }, 'returnTo'],
      [{ binding: SESSION, provider: '' }, 'provider'],
      [{ binding: SESSION, provider: 'a:b' }, 'provider'],
      [{}, 'binding'],
      [{ binding: '' }, 'binding'],
    ]
    for (const [options, field] of bad) {
      const error = await createOAuthState(t, options as { binding: null }).catch((e: unknown) => e)
      expect(error, JSON.stringify(options)).toBeInstanceOf(InvalidConfigError)
      expect((error as InvalidConfigError).field).toBe(field)
    }
  })

  it('stores neither the binding nor the state in the clear', async () => {
    const store = new MemoryStore({ sweepInterval: 0 })
    stores.push(store)
    const seen: string[] = []
    const put = store.putToken.bind(store)
    store.putToken = async (key, token) => {
      seen.push(key, JSON.stringify(token))
      await put(key, token)
    }
    const auth = await createOAuthState(new StateTokens({ store }), { binding: SESSION })
    const stored = seen.join('\n')
    expect(stored).not.toContain(SESSION)
    expect(stored).not.toContain(auth.state)
  })
})
