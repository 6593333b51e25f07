/**
 * The demo over plain HTTP, as `npm start` runs it (a child process): what the issue says it
 * must show, checked with fetch and hand-kept cookies. The browser version is demo.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningDemo, STARTUP_LIMIT_MS, startDemo } from './demo-process.js'
import { csrfFrom, Device } from './http-client.js'

let demo: RunningDemo

beforeAll(async () => {
  demo = await startDemo()
}, STARTUP_LIMIT_MS + 10_000)

afterAll(async () => {
  await demo?.stop()
})

/** The device rows of a /devices page. */
function devicesIn(html: string) {
  return html
    .split('<li class="device"')
    .slice(1)
    .map((row) => ({
      current: row.startsWith(' data-testid="device" data-current="true"'),
      handle: /name="handle" value="([^"]+)"/.exec(row)?.[1] ?? null,
      userAgent: /data-testid="user-agent"[^>]*>([^<]*)</.exec(row)?.[1] ?? null,
    }))
}

async function signedInAs(username: string, password: string, userAgent?: string) {
  const device = new Device(demo.url, userAgent)
  const response = await device.signIn(username, password)
  expect(response.status).toBe(303)
  return device
}

describe('the demo over HTTP', () => {
  it('answers on / with the shop, and sends security headers', async () => {
    const device = new Device(demo.url)
    const { response, body } = await device.get('/')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(body).toContain('Parts for analytical engines')
    expect(csrfFrom(body)).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('GET /api/session for a visitor: no user, no expiry, no keys, and no cookie', async () => {
    const response = await fetch(`${demo.url}/api/session`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(response.headers.getSetCookie()).toEqual([])
    expect(await response.json()).toEqual({ userId: null, expiresAt: null, keys: [] })
  })

  it('serves the stylesheet without a session', async () => {
    const response = await fetch(`${demo.url}/assets/app.css`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it('answers an unknown route with a 404 page', async () => {
    const { response, body } = await new Device(demo.url).get('/no/such/page')
    expect(response.status).toBe(404)
    expect(body).toContain('Page not found')
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it('signs ada in: 303 to /profile, an HttpOnly cookie, and GET /api/session says so', async () => {
    const device = new Device(demo.url)
    const _csrf = await device.csrf('/login')
    const { response } = await device.post('/login', {
      _csrf,
      username: 'ada',
      password: 'lovelace',
    })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/profile')
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith('sid='))
    expect(cookie).toMatch(/; HttpOnly/)
    expect(cookie).toMatch(/; SameSite=Lax/)
    // Plain http: without Secure, so clients that never send a Secure cookie over http
    // (Python's http.cookiejar) can use the demo too. DEMO_SECURE_COOKIES=1 is in demo.test.ts.
    expect(cookie).not.toMatch(/; Secure/)

    const session = await device.session()
    expect(session.userId).toBe('user-ada')
    const expiresIn = Date.parse(session.expiresAt ?? '') - Date.now()
    expect(expiresIn).toBeGreaterThan(29 * 60_000)
    expect(expiresIn).toBeLessThanOrEqual(30 * 60_000)
    expect(Array.isArray(session.keys)).toBe(true)

    const { body } = await device.get('/profile')
    expect(body).toContain('Ada Lovelace')
    expect(body).toContain('analytical-engines')
  })

  it('refuses wrong credentials with 401 and the form again', async () => {
    const device = new Device(demo.url)
    const _csrf = await device.csrf('/login')
    const { response, body } = await device.post('/login', {
      _csrf,
      username: 'ada',
      password: 'babbage',
    })
    expect(response.status).toBe(401)
    expect(body).toContain('Wrong username or password.')
    expect(body).toContain('name="password"')
    expect(csrfFrom(body)).toBe(_csrf)
    expect((await device.session()).userId).toBeNull()
  })

  it('answers 403 to a POST with a forged or missing _csrf, before doing anything', async () => {
    const device = new Device(demo.url)
    const real = await device.csrf('/login')
    const forged = `${real.slice(0, -1)}${real.endsWith('A') ? 'B' : 'A'}`
    const attempts: Record<string, string>[] = [{ _csrf: forged }, {}, { _csrf: '' }]
    for (const fields of attempts) {
      const { response, body } = await device.post('/login', {
        ...fields,
        username: 'ada',
        password: 'lovelace',
      })
      expect(response.status).toBe(403)
      expect(body).toContain('Form expired')
    }
    expect((await device.session()).userId).toBeNull()
    // An unknown path too: the token is checked before routing.
    expect((await device.post('/nowhere', { _csrf: forged })).response.status).toBe(403)
  })

  it('ada on two devices: /devices lists both; revoke-others signs the other one out', async () => {
    const laptop = await signedInAs('ada', 'lovelace', 'Mozilla/5.0 (Macintosh) Chrome/131.0')
    const phone = await signedInAs(
      'ada',
      'lovelace',
      'Mozilla/5.0 (iPhone) Version/18.0 Mobile/15E148 Safari/604.1',
    )
    const { body } = await laptop.get('/devices')
    const devices = devicesIn(body)
    const mine = devices.filter((device) => device.userAgent?.includes('Chrome/131.0'))
    const phones = devices.filter((device) => device.userAgent?.includes('iPhone'))
    expect(mine).toHaveLength(1)
    expect(mine[0]?.current).toBe(true)
    expect(phones).toHaveLength(1)
    expect(phones[0]?.current).toBe(false)

    // A forged token on revoke-others changes nothing.
    const forged = await laptop.post('/devices/revoke-others', { _csrf: 'forged' })
    expect(forged.response.status).toBe(403)
    expect((await phone.session()).userId).toBe('user-ada')

    const _csrf = csrfFrom(body) ?? ''
    const { response } = await laptop.post('/devices/revoke-others', { _csrf })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/devices')

    expect(await phone.session()).toEqual({ userId: null, expiresAt: null, keys: [] })
    const next = await phone.get('/profile')
    expect(next.response.status).toBe(303)
    expect(next.response.headers.get('location')).toBe('/login?next=%2Fprofile')

    expect((await laptop.session()).userId).toBe('user-ada')
    const after = await laptop.get('/devices')
    expect(after.body).toMatch(/Signed out \d+ other devices?\./)
    expect(devicesIn(after.body)).toEqual([expect.objectContaining({ current: true })])
  })

  it('revokes one device by its handle, and never a session of another user', async () => {
    const first = await signedInAs('ada', 'lovelace', 'first-device')
    const second = await signedInAs('ada', 'lovelace', 'second-device')
    const alan = await signedInAs('alan', 'turing', 'alan-device')

    const alanOther = await signedInAs('alan', 'turing', 'alan-other-device')
    const alanHandle = devicesIn((await alan.get('/devices')).body).find(
      (device) => device.userAgent === 'alan-other-device',
    )?.handle
    expect(alanHandle).toBeTruthy()

    const page = await first.get('/devices')
    const _csrf = csrfFrom(page.body) ?? ''
    const secondHandle = devicesIn(page.body).find((d) => d.userAgent === 'second-device')?.handle
    expect(secondHandle).toBeTruthy()

    // ada cannot revoke alan's session with its handle.
    await first.post('/devices/revoke', { _csrf, handle: alanHandle ?? '' })
    expect((await first.get('/devices')).body).toContain('That device was already signed out.')
    expect((await alanOther.session()).userId).toBe('user-alan')

    await first.post('/devices/revoke', { _csrf, handle: secondHandle ?? '' })
    expect((await first.get('/devices')).body).toContain('That device has been signed out.')
    expect((await second.session()).userId).toBeNull()
    expect((await first.session()).userId).toBe('user-ada')
  })

  it('escapes the user agent on /devices', async () => {
    const attack = '<img src=x onerror=alert(1)> "quoted" & more'
    const viewer = await signedInAs('alan', 'turing', 'viewer')
    await signedInAs('alan', 'turing', attack)
    const { body } = await viewer.get('/devices')
    expect(body).not.toContain('<img src=x')
    expect(body).toContain('&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; &amp; more')
  })

  it('shows a flash message once, and keeps the cart in the session', async () => {
    const device = new Device(demo.url)
    const _csrf = await device.csrf('/')
    const added = await device.post('/cart/add', { _csrf, sku: 'gear-set', back: '/cart' })
    expect(added.response.headers.get('location')).toBe('/cart')
    await device.post('/cart/add', { _csrf, sku: 'gear-set', back: '/cart' })

    const first = await device.get('/cart')
    expect(first.body).toContain('Added Brass gear set to your cart.')
    expect(first.body).toMatch(/data-testid="quantity">2</)
    const again = await device.get('/cart')
    expect(again.body).not.toContain('Added Brass gear set')
    expect(again.body).toMatch(/data-testid="quantity">2</)
    expect((await device.session()).keys.sort()).toEqual(['_csrf', 'cart'])

    // Signing in keeps the cart (login regenerates the ID, not the data).
    await device.signIn('ada', 'lovelace')
    expect((await device.get('/cart')).body).toMatch(/data-testid="quantity">2</)
  })

  it('refuses an open redirect after sign-in', async () => {
    const device = new Device(demo.url)
    const _csrf = await device.csrf('/login')
    const { response } = await device.post('/login', {
      _csrf,
      username: 'alan',
      password: 'turing',
      next: '//evil.example/',
    })
    expect(response.headers.get('location')).toBe('/profile')
  })

  it('signs out with POST /logout and says so once', async () => {
    const device = await signedInAs('alan', 'turing')
    const _csrf = await device.csrf('/profile')
    const { response } = await device.post('/logout', { _csrf })
    expect(response.status).toBe(303)
    expect((await device.session()).userId).toBeNull()
    expect((await device.get('/')).body).toContain('You have been signed out on this device.')
  })

  it('shuts down cleanly on SIGTERM', async () => {
    const result = await demo.stop(10_000)
    expect(result).toEqual({ code: 0, signal: null })
    expect(demo.output()).toContain('stopped')
  })
})
