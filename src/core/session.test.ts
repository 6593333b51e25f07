import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryStore } from '../stores/memory.js'
import { InvalidSessionDataError } from './errors.js'
import { SessionManager } from './manager.js'

type Data = { name: string; tags: string[]; when: string; profile: { age: number } }
type Flash = { notice: string }

let manager: SessionManager<Data, Flash>
afterEach(() => manager?.close())

async function fresh() {
  manager = new SessionManager<Data, Flash>({
    store: new MemoryStore(),
    secrets: randomBytes(32).toString('base64url'),
  })
  return manager.load(undefined)
}

describe('Session data', () => {
  it('gets, sets, deletes, checks, lists and clears typed values', async () => {
    const session = await fresh()
    session.set('name', 'Ada').set('tags', ['a'])
    expect(session.get('name')).toBe('Ada')
    expect(session.has('tags')).toBe(true)
    expect(session.entries()).toEqual([
      ['name', 'Ada'],
      ['tags', ['a']],
    ])
    expect(session.delete('name')).toBe(true)
    expect(session.delete('name')).toBe(false)
    session.clear()
    expect(session.keys()).toEqual([])
    // @ts-expect-error the value type follows the Data generic
    session.set('name', 42)
    // @ts-expect-error unknown keys are refused at compile time
    session.get('nope')
  })

  it('stores a JSON copy and refuses what JSON cannot carry', async () => {
    const session = await fresh()
    const profile = { age: 36 }
    session.set('profile', profile)
    profile.age = 99
    expect(session.get('profile')).toEqual({ age: 36 })
    session.set('when', new Date(0) as unknown as string)
    expect(session.get('when')).toBe('1970-01-01T00:00:00.000Z')
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => session.set('profile', cyclic as never)).toThrow(InvalidSessionDataError)
    expect(() => session.set('name', (() => 1) as never)).toThrow(InvalidSessionDataError)
    expect(() => session.set('name', 10n as never)).toThrow(InvalidSessionDataError)
    expect(() => session.set('__flash:x' as never, 1 as never)).toThrow(InvalidSessionDataError)
    expect(() => session.set('' as never, 1 as never)).toThrow(InvalidSessionDataError)
  })

  it('refuses at set time what JSON would drop or turn into null, naming the key and path', async () => {
    const session = await fresh()
    const refused = (value: unknown) => {
      try {
        session.set('profile', value as never)
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidSessionDataError)
        return (error as Error).message
      }
      throw new Error('expected set to refuse')
    }
    expect(refused({ age: Number.NaN })).toContain('"profile": the value at .age is NaN')
    expect(refused({ age: 1, tags: [undefined] })).toContain('.tags[0] is undefined')
    expect(refused(new Map())).toContain('is a Map')
    expect(refused({ when: new Date(Number.NaN) })).toContain('invalid Date')
    expect(() => session.flash('notice', Number.POSITIVE_INFINITY as never)).toThrow(
      InvalidSessionDataError,
    )
    expect(session.has('profile')).toBe(false)
  })

  it('refuses at commit a value changed in place into something JSON cannot carry', async () => {
    const session = await fresh()
    session.set('tags', ['a'])
    ;(session.get('tags') as unknown[]).push(Number.NaN)
    await expect(manager.commit(session)).rejects.toThrow(/"tags": was changed in place/)
    expect(session.isNew).toBe(true)
  })

  it('treats __proto__ as an ordinary key', async () => {
    const session = await fresh()
    session.set('__proto__' as never, { polluted: true } as never)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(session.get('__proto__' as never)).toEqual({ polluted: true })
    expect(session.changes().set).toHaveProperty(['__proto__'])
    expect(Object.getPrototypeOf(session.changes().set)).toBe(Object.prototype)
  })

  it('keeps flash values apart from data and reads them once', async () => {
    const session = await fresh()
    session.flash('notice', 'Saved')
    expect(session.keys()).toEqual([])
    expect(session.flashes()).toEqual({ notice: 'Saved' })
    expect(session.flash('notice')).toBeUndefined()
  })

  it('reports metadata for a new session', async () => {
    const session = await fresh()
    expect(session.isNew).toBe(true)
    expect(session.isAuthenticated).toBe(false)
    expect(session.userId).toBeNull()
    expect(session.id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(session.createdAt).toBeInstanceOf(Date)
  })
})
