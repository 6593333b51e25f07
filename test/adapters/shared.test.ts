import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  defaultOnError,
  failureReply,
  forwardedClientIp,
  mergeVary,
  report,
} from '../../src/adapters/shared.js'
import { StoreError, StoreUnavailableError } from '../../src/core/errors.js'

describe('mergeVary', () => {
  it('appends without duplicating, whatever the case', () => {
    expect(mergeVary(undefined, ['Cookie'])).toBe('Cookie')
    expect(mergeVary('Accept-Encoding', ['Cookie'])).toBe('Accept-Encoding, Cookie')
    expect(mergeVary('cookie, Origin', ['Cookie', 'X-Token'])).toBe('cookie, Origin, X-Token')
    expect(mergeVary(' , Accept ,', ['Cookie'])).toBe('Accept, Cookie')
  })

  it('leaves * alone', () => {
    expect(mergeVary('*', ['Cookie'])).toBe('*')
  })
})

describe('forwardedClientIp', () => {
  it('takes the left-most address', () => {
    expect(forwardedClientIp('203.0.113.7, 10.0.0.1')).toBe('203.0.113.7')
    expect(forwardedClientIp('2001:db8::1,10.0.0.1')).toBe('2001:db8::1')
  })

  it('drops a port and brackets', () => {
    expect(forwardedClientIp('203.0.113.7:4711')).toBe('203.0.113.7')
    expect(forwardedClientIp('[2001:db8::1]:443')).toBe('2001:db8::1')
  })

  it('refuses what is not an address', () => {
    for (const value of [
      undefined,
      null,
      '',
      ' , 1.2.3.4',
      'unknown',
      '<script>',
      'x'.repeat(5000),
    ]) {
      expect(forwardedClientIp(value)).toBeNull()
    }
  })
})

describe('failureReply', () => {
  it('is 503 with Retry-After for store failures, 500 otherwise', () => {
    expect(failureReply(new StoreUnavailableError('memory', 'down'))).toMatchObject({
      status: 503,
      headers: { 'retry-after': '5' },
    })
    expect(failureReply(new StoreError('memory', 'broken')).status).toBe(503)
    const other = failureReply(new Error('app'))
    expect(other.status).toBe(500)
    expect(other.headers['retry-after']).toBeUndefined()
  })
})

describe('onError', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('logs a sessionkit error as code and message only, never its cause', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const cause = new Error('connect ECONNREFUSED sid=secret-cookie-value')
    defaultOnError(new StoreUnavailableError('redis', 'no answer', { cause }), { phase: 'load' })
    expect(log).toHaveBeenCalledTimes(1)
    const line = String(log.mock.calls[0]?.[0])
    expect(line).toContain('SESSIONKIT_STORE_UNAVAILABLE')
    expect(line).toContain('no answer')
    expect(line).not.toContain('secret-cookie-value')
  })

  it('survives a hook that throws', () => {
    const onError = () => {
      throw new Error('hook bug')
    }
    expect(() => report({ onError }, new Error('x'), { phase: 'handler' })).not.toThrow()
  })
})
