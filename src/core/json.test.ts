import { describe, expect, it } from 'vitest'
import { strictJson } from './json.js'

class Refused extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`)
  }
}

const fail = (path: string, reason: string) => new Refused(path, reason)

function refusal(value: unknown): Refused {
  try {
    strictJson(value, fail)
  } catch (error) {
    expect(error).toBeInstanceOf(Refused)
    return error as Refused
  }
  throw new Error('expected a refusal')
}

describe('strictJson', () => {
  it('writes what JSON carries faithfully, as JSON.stringify does', () => {
    const value = { a: [1, 'x', true, null, { b: -1.5 }], c: {}, d: [] }
    expect(strictJson(value, fail)).toBe(JSON.stringify(value))
  })

  it('converts Dates (and any toJSON) to their JSON form, -0 to 0, null prototypes to plain', () => {
    expect(strictJson(new Date(0), fail)).toBe('"1970-01-01T00:00:00.000Z"')
    expect(strictJson({ toJSON: () => ({ n: 1 }) }, fail)).toBe('{"n":1}')
    expect(strictJson(-0, fail)).toBe('0')
    expect(strictJson(Object.assign(Object.create(null), { a: 1 }), fail)).toBe('{"a":1}')
  })

  it.each([
    ['undefined in an object', { a: undefined }, '.a'],
    ['undefined in an array', [1, undefined], '[1]'],
    ['an array hole', new Array(3).fill(1, 0, 1), '[1]'],
    ['a function', { f: () => 1 }, '.f'],
    ['a symbol', [Symbol('s')], '[0]'],
    ['a BigInt', { n: { m: 1n } }, '.n.m'],
    ['NaN', { price: Number.NaN }, '.price'],
    ['Infinity', [Number.POSITIVE_INFINITY], '[0]'],
    ['-Infinity', Number.NEGATIVE_INFINITY, ''],
    ['an invalid Date', { when: new Date(Number.NaN) }, '.when'],
    ['a Map', { m: new Map([[1, 2]]) }, '.m'],
    ['a Set', new Set([1]), ''],
    ['a class instance', { u: new (class User {})() }, '.u'],
    ['a toJSON that returns NaN', { t: { toJSON: () => Number.NaN } }, '.t'],
  ])('refuses %s, saying where', (_label, value, path) => {
    expect(refusal(value).path).toBe(path)
  })

  it('refuses cycles and getters that throw', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(refusal(cyclic).reason).toContain('cannot be serialized')
    const throwing = {
      get x() {
        throw new Error('boom')
      },
    }
    expect(refusal(throwing).reason).toContain('boom')
  })

  it('names the class and never the value', () => {
    const error = refusal({ secret: new Map([['password', 'hunter2']]) })
    expect(error.reason).toContain('Map')
    expect(error.message).not.toContain('hunter2')
  })
})
