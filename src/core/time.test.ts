import { describe, expect, it } from 'vitest'
import { InvalidConfigError } from './errors.js'
import { ManualClock, parseDuration } from './time.js'

describe('parseDuration', () => {
  it('reads milliseconds and unit strings', () => {
    expect(parseDuration(1500, 'x')).toBe(1500)
    expect(parseDuration('250ms', 'x')).toBe(250)
    expect(parseDuration('30s', 'x')).toBe(30_000)
    expect(parseDuration('30m', 'x')).toBe(1_800_000)
    expect(parseDuration('24h', 'x')).toBe(86_400_000)
    expect(parseDuration('7d', 'x')).toBe(604_800_000)
    expect(parseDuration('1.5h', 'x')).toBe(5_400_000)
  })

  it('names the field on bad input', () => {
    for (const bad of [
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '',
      '10',
      '10 years',
      'h',
      null,
      {},
    ]) {
      try {
        parseDuration(bad, 'idleTimeout')
        expect.unreachable()
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidConfigError)
        expect((error as InvalidConfigError).field).toBe('idleTimeout')
      }
    }
  })
})

describe('ManualClock', () => {
  it('moves only when told', () => {
    const clock = new ManualClock(1000)
    clock.advance(500)
    expect(clock.now()).toBe(1500)
    clock.set(42)
    expect(clock.now()).toBe(42)
  })
})
