import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { InvalidConfigError } from '../core/errors.js'
import { SessionManager } from '../core/manager.js'
import { MemoryStore } from '../stores/memory.js'
import { CSRF_SESSION_KEY, csrfToken, DoubleSubmitCsrf, verifyCsrf } from './csrf.js'

const secret = () => randomBytes(32).toString('base64url')
const managers: SessionManager<{ cart: string[] }>[] = []
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.close()))
})

function sessions() {
  const manager = new SessionManager<{ cart: string[] }>({
    store: new MemoryStore({ sweepInterval: 0 }),
    secrets: [secret()],
    cookie: { secure: false },
  })
  managers.push(manager)
  return manager
}

function cookieOf(setCookie: string[]): string {
  return (setCookie.at(-1) ?? '').split(';')[0] ?? ''
}

describe('synchronizer CSRF token', () => {
  it('is created once per session, saved with it, and verifies on the next request', async () => {
    const manager = sessions()
    // A session typed without `_csrf` is accepted as is.
    const session = await manager.load(undefined)
    const token = csrfToken(session)
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(csrfToken(session)).toBe(token)
    const cookie = cookieOf(await manager.commit(session))
    const next = await manager.load(cookie)
    expect(verifyCsrf(next, token)).toBe(true)
    expect(csrfToken(next)).toBe(token)
  })

  it('refuses wrong, truncated, padded, non-string and missing values without throwing', async () => {
    const manager = sessions()
    const session = await manager.load(undefined)
    expect(verifyCsrf(session, 'anything')).toBe(false)
    const token = csrfToken(session)
    const other = await manager.load(undefined)
    const wrong: unknown[] = [
      csrfToken(other),
      token.slice(1),
      `${token}x`,
      token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase(),
      '',
      'é'.repeat(43),
      'a'.repeat(10_000),
      undefined,
      null,
      [token],
      { token },
      Buffer.from(token),
    ]
    for (const value of wrong) expect(verifyCsrf(session, value)).toBe(false)
    expect(verifyCsrf(session, token)).toBe(true)
  })

  it('works with any object that has string-keyed get and set', () => {
    const data = new Map<string, unknown>()
    const wrapper = {
      get: (key: string) => data.get(key),
      set: (key: string, value: string) => data.set(key, value),
    }
    const token = csrfToken(wrapper)
    expect(data.get(CSRF_SESSION_KEY)).toBe(token)
    expect(verifyCsrf(wrapper, token)).toBe(true)
  })

  it('replaces a tampered stored value instead of trusting it', async () => {
    const manager = sessions()
    const session = await manager.load(undefined)
    const raw = session as unknown as { set(key: string, value: string): void }
    raw.set(CSRF_SESSION_KEY, '')
    expect(verifyCsrf(session, '')).toBe(false)
    const token = csrfToken(session)
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(verifyCsrf(session, token)).toBe(true)
  })
})

describe('DoubleSubmitCsrf', () => {
  it('verifies a token whose cookie and submitted copy match and whose binding is right', () => {
    const csrf = new DoubleSubmitCsrf({ secrets: [secret()] })
    const token = csrf.issue('session-a')
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/)
    expect(csrf.verify({ binding: 'session-a', cookie: token, submitted: token })).toBe(true)
    expect(csrf.issue('session-a')).not.toBe(token)
  })

  it('refuses another binding, a mismatch, a forgery and garbage without throwing', () => {
    const csrf = new DoubleSubmitCsrf({ secrets: secret() })
    const token = csrf.issue('session-a')
    const other = csrf.issue('session-b')
    const [nonce] = token.split('.')
    const refused: Array<{ binding: unknown; cookie: unknown; submitted: unknown }> = [
      { binding: 'session-b', cookie: token, submitted: token },
      { binding: 'session-a', cookie: other, submitted: other },
      { binding: 'session-a', cookie: token, submitted: other },
      { binding: 'session-a', cookie: token, submitted: undefined },
      { binding: 'session-a', cookie: undefined, submitted: token },
      {
        binding: 'session-a',
        cookie: `${nonce}.${'A'.repeat(43)}`,
        submitted: `${nonce}.${'A'.repeat(43)}`,
      },
      { binding: 'session-a', cookie: 'x', submitted: 'x' },
      { binding: 'session-a', cookie: '', submitted: '' },
      { binding: 'session-a', cookie: '.', submitted: '.' },
      { binding: 'session-a', cookie: 'a'.repeat(10_000), submitted: 'a'.repeat(10_000) },
      { binding: undefined, cookie: token, submitted: token },
      { binding: 'session-a', cookie: [token], submitted: [token] },
    ]
    for (const check of refused) {
      expect(csrf.verify(check as Parameters<DoubleSubmitCsrf['verify']>[0])).toBe(false)
    }
    expect(csrf.verify(undefined as unknown as Parameters<DoubleSubmitCsrf['verify']>[0])).toBe(
      false,
    )
  })

  it('keeps verifying tokens of an older secret after rotation, not of an unknown one', () => {
    const [oldSecret, newSecret] = [secret(), secret()]
    const before = new DoubleSubmitCsrf({ secrets: [oldSecret] })
    const token = before.issue('s')
    const rotated = new DoubleSubmitCsrf({ secrets: [newSecret, oldSecret] })
    expect(rotated.verify({ binding: 's', cookie: token, submitted: token })).toBe(true)
    const dropped = new DoubleSubmitCsrf({ secrets: [newSecret] })
    expect(dropped.verify({ binding: 's', cookie: token, submitted: token })).toBe(false)
  })

  it('refuses weak secrets and an empty binding with InvalidConfigError', () => {
    expect(() => new DoubleSubmitCsrf({ secrets: 'short' })).toThrow(InvalidConfigError)
    expect(() => new DoubleSubmitCsrf({ secrets: [] })).toThrow(InvalidConfigError)
    const csrf = new DoubleSubmitCsrf({ secrets: secret() })
    expect(() => csrf.issue('')).toThrow(InvalidConfigError)
  })
})
