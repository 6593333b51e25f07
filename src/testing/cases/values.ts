import assert from 'node:assert/strict'
import type { JsonObject } from '../../core/store.js'
import { getLive, makePatch, makeRecord, newKey, withProtoKey } from '../fixtures.js'
import type { CaseDefinition } from '../types.js'

const group = 'values'

/** One value of every JSON type, including the ones engines like to mangle. */
function everyJsonType(): JsonObject {
  return {
    string: 'hello',
    empty: '',
    zero: 0,
    negative: -42,
    float: 2.5e-3,
    pi: Math.PI,
    tiny: 1e-7,
    big: Number.MAX_SAFE_INTEGER,
    negativeFloat: -0.5,
    yes: true,
    no: false,
    nothing: null,
    emptyObject: {},
    emptyArray: [],
    nested: { a: [1, [2, [3, { b: null }]], { c: { d: 'deep' } }], e: [] },
    mixed: [1, 'two', false, null, { three: 3 }, []],
    numericString: '0123',
    jsonLooking: '{"not":"parsed"}',
    whitespace: ' \t\n\r ',
  }
}

/** Text from several scripts, emoji (astral and ZWJ sequences), RTL and combining marks. */
const UNICODE = {
  emoji: '🎉👩‍👩‍👧‍👦🏳️‍🌈',
  cjk: '会话管理 セッション 세션',
  rtl: 'جلسة ‏שלום‎',
  combining: 'é e\u0301 a\u0308\u0323',
  symbols: '∑ ∞ ≠ ℝ 𝔸',
}

/** Data keys that break engines which build paths or queries from keys. */
function awkwardKeys(): JsonObject {
  return {
    'a.b': 1,
    'a.b.c': 2,
    'with space': 3,
    "single'quote": 4,
    'double"quote': 5,
    'back\\slash': 6,
    $: 7,
    '$.path': 8,
    $where: 9,
    'arr[0]': 10,
    '*': 11,
    '%_': 12,
    'new\nline': 13,
    constructor: 14,
    prototype: 15,
    hasOwnProperty: 16,
  }
}

function assertNoPollution(): void {
  const probe: Record<string, unknown> = {}
  assert.equal(probe.polluted, undefined, 'Object.prototype was polluted')
  assert.equal(Object.getPrototypeOf(probe), Object.prototype)
}

/** Values round-trip exactly, whatever their type, size or script. */
export const valueCases: CaseDefinition[] = [
  {
    group,
    name: 'values of every JSON type round-trip exactly through set and patch',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const data = everyJsonType()
      await store.set(key, makeRecord(t0, { data }))
      assert.deepEqual((await getLive(store, key, t0)).data, data)

      const patched = newKey()
      await store.set(patched, makeRecord(t0, { data: {} }))
      assert.equal(await store.patch(patched, makePatch(t0, { set: data }), t0), true)
      assert.deepEqual((await getLive(store, patched, t0)).data, data)
    },
  },
  {
    group,
    name: 'a 1 MB string value round-trips',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const big = 'x'.repeat(1024 * 1024 - 2).concat('é!')
      await store.set(key, makeRecord(t0, { data: { big } }))
      assert.equal((await getLive(store, key, t0)).data.big, big)
      assert.equal(await store.patch(key, makePatch(t0, { set: { small: 1 } }), t0), true)
      const after = (await getLive(store, key, t0)).data
      assert.equal(after.big, big)
      assert.equal(after.small, 1)
    },
  },
  {
    group,
    name: 'a value with 10,000 keys round-trips',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const wide: JsonObject = {}
      for (let i = 0; i < 10_000; i++) wide[`key-${i}`] = i % 3 === 0 ? `v${i}` : i
      await store.set(key, makeRecord(t0, { data: { wide } }))
      assert.deepEqual((await getLive(store, key, t0)).data.wide, wide)
    },
  },
  {
    group,
    name: 'unicode in data keys, values and userAgent round-trips',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const data: JsonObject = { ...UNICODE }
      for (const [name, text] of Object.entries(UNICODE)) data[text] = name
      const userAgent = `Mozilla/5.0 ${UNICODE.emoji} ${UNICODE.cjk} ${UNICODE.rtl} ${UNICODE.combining}`
      const record = makeRecord(t0, { data, userAgent })
      await store.set(key, record)
      assert.deepEqual(await getLive(store, key, t0), record)

      const patch = makePatch(t0, {
        set: { [UNICODE.emoji]: UNICODE.cjk, [`${UNICODE.rtl}2`]: [UNICODE.combining] },
        remove: [UNICODE.cjk],
        meta: { userAgent: UNICODE.rtl },
      })
      assert.equal(await store.patch(key, patch, t0), true)
      const after = await getLive(store, key, t0)
      assert.equal(after.data[UNICODE.emoji], UNICODE.cjk)
      assert.deepEqual(after.data[`${UNICODE.rtl}2`], [UNICODE.combining])
      assert.equal(Object.hasOwn(after.data, UNICODE.cjk), false, 'remove of a unicode key')
      assert.equal(after.data[UNICODE.rtl], 'rtl')
      assert.equal(after.userAgent, UNICODE.rtl)
    },
  },
  {
    group,
    name: 'data keys with dots, quotes, $, spaces and brackets are ordinary keys in set and patch',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const data = awkwardKeys()
      await store.set(key, makeRecord(t0, { data }))
      assert.deepEqual((await getLive(store, key, t0)).data, data)

      const names = Object.keys(data)
      const set: JsonObject = {}
      for (const name of names.slice(0, 8)) set[name] = `patched ${name}`
      const remove = names.slice(8)
      assert.equal(await store.patch(key, makePatch(t0, { set, remove }), t0), true)
      // A path-building store would also have touched `a` or `$`, which were never named.
      assert.deepEqual((await getLive(store, key, t0)).data, set)
    },
  },
  {
    group,
    name: '__proto__ in data is an ordinary key and pollutes no prototype',
    async run(store) {
      const t0 = Date.now()
      const key = newKey()
      const data = withProtoKey({ polluted: true })
      data.ok = 1
      await store.set(key, makeRecord(t0, { data }))
      const got = (await getLive(store, key, t0)).data
      assertNoPollution()
      assert.equal(Object.getPrototypeOf(got), Object.prototype, 'data must be a plain object')
      assert.ok(Object.hasOwn(got, '__proto__'), '__proto__ must come back as an own key')
      assert.deepEqual(Object.getOwnPropertyDescriptor(got, '__proto__')?.value, { polluted: true })
      assert.deepEqual(Object.keys(got).sort(), ['__proto__', 'ok'])
      assert.equal((got as { polluted?: unknown }).polluted, undefined)

      // Patched into a record that has no such key yet: where assignment would set a prototype.
      const patched = newKey()
      await store.set(patched, makeRecord(t0, { data: { ok: 1 } }))
      const patch = makePatch(t0, {
        set: withProtoKey({ polluted: 'via patch' }),
        remove: ['ok'],
      })
      assert.equal(await store.patch(patched, patch, t0), true)
      const after = (await getLive(store, patched, t0)).data
      assertNoPollution()
      assert.equal(Object.getPrototypeOf(after), Object.prototype)
      assert.equal(JSON.stringify(after), '{"__proto__":{"polluted":"via patch"}}')

      const removed = makePatch(t0, { remove: ['__proto__'] })
      assert.equal(await store.patch(patched, removed, t0), true)
      const empty = (await getLive(store, patched, t0)).data
      assert.equal(JSON.stringify(empty), '{}')
      assert.equal(
        Object.getPrototypeOf(empty),
        Object.prototype,
        'removing __proto__ keeps the prototype',
      )
    },
  },
]
