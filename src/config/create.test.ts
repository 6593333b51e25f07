import { describe, expect, it } from 'vitest'
import { InvalidConfigError } from '../core/errors.js'
import { MemoryStore } from '../stores/memory.js'
import { createFromConfig, managerOptionsFrom } from './create.js'
import { loadConfig } from './load.js'

const SECRET = 'tQ3vZb8Yk1xWm4Hs7Lp0Rd2Nf5Gj9Ec6Ua_Vo-Ti8Ky'

function config(env: Record<string, string>) {
  return loadConfig({ cwd: '/nonexistent-sessionkit-dir', env })
}

describe('createFromConfig', () => {
  it('builds a working manager on the configured store', async () => {
    const sessions = createFromConfig<{ visits: number }>(
      config({
        SESSIONKIT_STORE: 'memory:',
        SESSIONKIT_SECRETS: SECRET,
        SESSIONKIT_IDLE_TIMEOUT: '30m',
        SESSIONKIT_COOKIE_NAME: 'app',
      }),
    )
    try {
      expect(sessions.store.name).toBe('memory')
      expect(sessions.options.idleTimeout).toBe(1_800_000)
      expect(sessions.cookieName).toBe('__Host-app')
      const session = await sessions.load()
      session.set('visits', 1)
      const [cookie] = await sessions.commit(session)
      const again = await sessions.load(cookie?.split(';')[0])
      expect(again.get('visits')).toBe(1)
    } finally {
      await sessions.close()
    }
  })

  it('refuses a configuration without a secret', () => {
    expect(() => createFromConfig(config({ SESSIONKIT_STORE: 'memory:' }))).toThrow(
      expect.objectContaining({ field: 'secrets', code: 'SESSIONKIT_INVALID_CONFIG' }),
    )
  })

  it('lets overrides win, including a store built by hand', async () => {
    const store = new MemoryStore()
    const sessions = createFromConfig(config({ SESSIONKIT_SECRETS: SECRET }), {
      store,
      lifetime: '1h',
    })
    expect(sessions.store).toBe(store)
    expect(sessions.options.lifetime).toBe(3_600_000)
    await sessions.close()
  })

  it('maps the configuration onto manager options', () => {
    const options = managerOptionsFrom(
      config({ SESSIONKIT_SECRETS: SECRET, SESSIONKIT_COOKIE_DOMAIN: 'example.com' }),
    )
    expect(options.cookie).toMatchObject({ domain: 'example.com', hostPrefix: true })
    expect(options).not.toHaveProperty('touchAfter')
  })

  it('passes the manager its errors through', () => {
    expect(() =>
      createFromConfig(
        config({
          SESSIONKIT_SECRETS: SECRET,
          SESSIONKIT_STORE: 'cookie:',
          SESSIONKIT_HEADER: 'x-token',
        }),
      ),
    ).toThrow(InvalidConfigError)
  })
})
