import { describe, expect, it } from 'vitest'
import { storeKeyFor } from '../adapters/express/ids.js'
import { generateId, hashId } from '../core/ids.js'
import { formatSpan, redactUrl, relativeTime, table, truncate } from './output.js'
import { candidateKeys } from './session-ref.js'

describe('output', () => {
  it('formats spans by their two largest units', () => {
    expect(formatSpan(0)).toBe('0s')
    expect(formatSpan(12_000)).toBe('12s')
    expect(formatSpan(45 * 60_000 + 3000)).toBe('45m 3s')
    expect(formatSpan(26 * 3_600_000 + 60_000)).toBe('1d 2h')
    expect(formatSpan(3_600_000 + 5000)).toBe('1h')
    expect(relativeTime(1000 + 90_000, 1000)).toBe('in 1m 30s')
    expect(relativeTime(1000, 1000 + 90_000)).toBe('1m 30s ago')
  })

  it('aligns tables and truncates', () => {
    expect(
      table(
        ['A', 'LONG'],
        [
          ['xyz', '1'],
          ['q', '22'],
        ],
      ),
    ).toBe('A    LONG\nxyz  1\nq    22')
    expect(truncate('abcdef', 4)).toBe('abc…')
    expect(truncate('abc', 4)).toBe('abc')
  })

  it('redacts passwords from URLs', () => {
    expect(redactUrl('postgres://app:hunter2@db/x')).toBe('postgres://app:***@db/x')
    expect(redactUrl('redis://:hunter2@h:6379')).toBe('redis://:***@h:6379')
    expect(redactUrl('redis://h?password=hunter2&db=1')).toBe('redis://h?password=***&db=1')
    expect(redactUrl('sqlite:./data/sessions.db')).toBe('sqlite:./data/sessions.db')
  })
})

describe('candidateKeys', () => {
  it('tries a handle as is, then the hash of a raw or signed ID', () => {
    const id = generateId()
    expect(candidateKeys(id)).toEqual([id, hashId(id)])
    const signed = `${id}.signature`
    expect(candidateKeys(signed)).toEqual([
      ...new Set([hashId(signed), hashId(id), storeKeyFor(signed)]),
    ])
    // An express-session ID: also where sessionkit/express (and a migration) keeps it.
    const legacy = 'abcDEF123_-abcDEF123_-abcDEF1234'
    expect(candidateKeys(legacy)).toEqual([...new Set([hashId(legacy), storeKeyFor(legacy)])])
  })

  it('refuses an empty or absurdly long reference', () => {
    expect(() => candidateKeys(' ')).toThrow(/handle/)
    expect(() => candidateKeys('x'.repeat(600))).toThrow(/handle/)
  })
})
