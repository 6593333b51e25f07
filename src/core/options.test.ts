import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../stores/memory.js'
import { resolveManagerOptions, type SessionManagerOptions } from './options.js'

const base = { store: new MemoryStore({ sweepInterval: 0 }), secrets: randomBytes(32) }

function fieldOf(options: Partial<SessionManagerOptions>): string | undefined {
  try {
    resolveManagerOptions({ ...base, ...options })
  } catch (error) {
    return (error as { field?: string }).field
  }
  return undefined
}

describe('resolveManagerOptions: values that would break every request later', () => {
  it('refuses a lifetime or idle timeout whose expiry would not be a date', () => {
    expect(fieldOf({ lifetime: 8_638_204_157_133_602 })).toBe('lifetime')
    expect(fieldOf({ idleTimeout: '99999999w' })).toBe('idleTimeout')
    expect(fieldOf({ lifetime: '36500d' })).toBeUndefined()
  })

  it('refuses a cleanup interval setInterval would turn into 1 ms', () => {
    expect(fieldOf({ cleanupInterval: '25d' })).toBe('cleanupInterval')
    expect(fieldOf({ cleanupInterval: 2 ** 31 - 1 })).toBeUndefined()
  })

  it('refuses a cookie domain or path the Set-Cookie serializer would throw on', () => {
    expect(fieldOf({ cookie: { domain: 'exa mple.com' } })).toBe('cookie.domain')
    expect(fieldOf({ cookie: { domain: '\u0000' } })).toBe('cookie.domain')
    expect(fieldOf({ cookie: { path: '/a;b' } })).toBe('cookie.path')
    expect(fieldOf({ cookie: { domain: 'example.com', path: '/app' } })).toBeUndefined()
  })
})
