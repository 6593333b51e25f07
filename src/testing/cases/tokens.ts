import assert from 'node:assert/strict'
import type { JsonValue } from '../../core/store.js'
import { withCapability } from '../capabilities.js'
import { describeKey, EXPIRES_IN, hasCode, LIVE_FOR, MALFORMED_KEYS, newKey } from '../fixtures.js'
import type { CaseDefinition } from '../types.js'
import { smallRace } from './concurrency.js'

const group = 'tokens'

/** Single-use state tokens (OAuth state, PKCE, magic links): consumed atomically, once. */
export const tokenCases: CaseDefinition[] = [
  {
    group,
    needs: ['tokens'],
    name: 'consumeToken returns the value once, then null',
    async run(plain) {
      const store = withCapability(plain, 'tokens')
      const t0 = Date.now()
      const key = newKey()
      const value = { purpose: 'oauth', returnTo: '/cart?x=1', verifier: 'abc' }
      await store.putToken(key, { value, expiresAt: t0 + LIVE_FOR })
      assert.deepEqual(await store.consumeToken(key, t0), value)
      assert.equal(await store.consumeToken(key, t0), null, 'a second consume must fail')
    },
  },
  {
    group,
    needs: ['tokens'],
    name: 'token values of every JSON type except null round-trip',
    async run(plain) {
      const store = withCapability(plain, 'tokens')
      const t0 = Date.now()
      const values: JsonValue[] = ['s', '', 0, -1.5, true, false, [], {}, [1, { a: ['b'] }], '🎉']
      for (const value of values) {
        const key = newKey()
        await store.putToken(key, { value, expiresAt: t0 + LIVE_FOR })
        assert.deepEqual(await store.consumeToken(key, t0), value)
      }
    },
  },
  {
    group,
    needs: ['tokens'],
    name: 'of many concurrent consumes exactly one gets the value',
    async run(plain, { concurrency }) {
      const store = withCapability(plain, 'tokens')
      const t0 = Date.now()
      const key = newKey()
      await store.putToken(key, { value: 'only-once', expiresAt: t0 + LIVE_FOR })
      const n = smallRace(concurrency)
      // Warm the store's connections first: against a cold pool the consumers connect one
      // after another and never really race, which hides a non-atomic consume.
      for (let round = 0; round < 3; round++) {
        const warm = newKey()
        await store.putToken(warm, { value: 'warm', expiresAt: t0 + LIVE_FOR })
        await Promise.all(Array.from({ length: n }, () => store.consumeToken(warm, t0)))
      }
      for (let round = 0; round < 5; round++) {
        const raced = round === 0 ? key : newKey()
        if (round > 0) await store.putToken(raced, { value: 'only-once', expiresAt: t0 + LIVE_FOR })
        const results = await Promise.all(
          Array.from({ length: n }, () => store.consumeToken(raced, t0)),
        )
        const winners = results.filter((result) => result !== null)
        assert.deepEqual(
          winners,
          ['only-once'],
          `round ${round}: ${winners.length} of ${n} consumers got the value`,
        )
      }
    },
  },
  {
    group,
    needs: ['tokens'],
    name: 'an expired token is not returned',
    async run(plain) {
      const store = withCapability(plain, 'tokens')
      const t0 = Date.now()
      const key = newKey()
      const expiresAt = t0 + EXPIRES_IN
      await store.putToken(key, { value: 'late', expiresAt })
      assert.equal(await store.consumeToken(key, expiresAt), null, 'now === expiresAt is expired')
      assert.equal(await store.consumeToken(key, expiresAt + 1), null)
    },
  },
  {
    group,
    needs: ['tokens'],
    name: 'a missing token is null',
    async run(plain) {
      const store = withCapability(plain, 'tokens')
      assert.equal(await store.consumeToken(newKey(), Date.now()), null)
    },
  },
  {
    group,
    needs: ['tokens'],
    name: 'malformed token keys: putToken rejects with SESSIONKIT_INVALID_STORE_KEY, consume is null',
    async run(plain) {
      const store = withCapability(plain, 'tokens')
      const t0 = Date.now()
      for (const key of MALFORMED_KEYS) {
        await assert.rejects(
          store.putToken(key, { value: 'x', expiresAt: t0 + LIVE_FOR }),
          hasCode('SESSIONKIT_INVALID_STORE_KEY'),
          `putToken(${describeKey(key)})`,
        )
        assert.equal(await store.consumeToken(key, t0), null, `consumeToken(${describeKey(key)})`)
      }
    },
  },
  {
    group,
    needs: ['tokens'],
    name: 'putToken without a finite expiresAt rejects and stores nothing',
    async run(plain) {
      const store = withCapability(plain, 'tokens')
      const t0 = Date.now()
      for (const expiresAt of [Number.NaN, undefined, Number.POSITIVE_INFINITY]) {
        const key = newKey()
        const token = { value: 'x', expiresAt: expiresAt as number }
        await assert.rejects(store.putToken(key, token), `putToken with expiresAt ${expiresAt}`)
        assert.equal(await store.consumeToken(key, t0), null)
      }
    },
  },
]
