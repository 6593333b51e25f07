import { InvalidConfigError } from './errors.js'

/** A duration in milliseconds, or a string such as `'30m'`, `'24h'`, `'7d'`, `'1500ms'`. */
export type Duration = number | `${number}${DurationUnit}`
type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w'

const UNIT_MS: Record<DurationUnit, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/

/** Parses a {@link Duration} to whole milliseconds; throws InvalidConfigError naming `field`. */
export function parseDuration(value: unknown, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidConfigError(field, 'must be a finite, non-negative number of milliseconds')
    }
    return Math.round(value)
  }
  if (typeof value === 'string') {
    const match = DURATION_PATTERN.exec(value.trim())
    if (match?.[1] && match[2]) {
      return Math.round(Number(match[1]) * UNIT_MS[match[2] as DurationUnit])
    }
  }
  throw new InvalidConfigError(
    field,
    'must be milliseconds or a duration string such as "30m", "24h" or "7d"',
  )
}

/** Where the manager and stores read the time; tests pass a controllable one. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  #now: number

  constructor(start: number = Date.now()) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  advance(ms: number): void {
    this.#now += ms
  }

  set(epochMs: number): void {
    this.#now = epochMs
  }
}
