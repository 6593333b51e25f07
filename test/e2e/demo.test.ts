/**
 * The demo in a real browser: Debian's Chromium driven by playwright-core, two browser
 * contexts standing for two devices of one user. Skips with a visible reason when Chromium is
 * not installed; fails instead under SESSIONKIT_REQUIRE_SERVICES=1 (CI).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decideGate, describeWithService } from '../support/services.js'
import { CHROMIUM_PATH, chromiumInstalled, launchChromium } from './chromium.js'
import { type RunningDemo, STARTUP_LIMIT_MS, startDemo } from './demo-process.js'

const gate = decideGate(`Chromium (${CHROMIUM_PATH})`, chromiumInstalled())

// Device 2 sends HTML in its User-Agent: device 1's /devices page must show it as text.
const HOSTILE_USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 <script>alert(1)</script>'

async function signIn(page: Page, base: string) {
  await page.goto(`${base}/login`)
  await page.fill('#username', 'ada')
  await page.fill('#password', 'lovelace')
  await Promise.all([page.waitForURL(`${base}/profile`), page.click('button:text("Sign in")')])
}

describeWithService(gate, 'the demo in Chromium', () => {
  describe('two devices', twoDevices)
  describe('DEMO_SECURE_COOKIES=1', secureCookies)
})

function twoDevices() {
  let demo: RunningDemo | undefined
  let browser: Browser | undefined
  let laptop: BrowserContext
  let phone: BrowserContext
  let one: Page
  let two: Page
  /** Device 1 uses localhost, device 2 127.0.0.1: one site per host, as a browser sees them. */
  let hostOne: string
  let hostTwo: string

  beforeAll(async () => {
    demo = await startDemo()
    browser = await launchChromium()
    hostOne = demo.url
    hostTwo = `http://127.0.0.1:${demo.port}`
    laptop = await browser.newContext()
    phone = await browser.newContext({ userAgent: HOSTILE_USER_AGENT })
    for (const context of [laptop, phone]) context.setDefaultTimeout(10_000)
    one = await laptop.newPage()
    two = await phone.newPage()
  }, STARTUP_LIMIT_MS + 30_000)

  afterAll(async () => {
    // Each step on its own: a failed close must not leave the demo process running.
    await browser?.close().catch(() => {})
    await demo?.stop()
  }, 20_000)

  it('signs ada in on two devices, each with an HttpOnly, SameSite=Lax cookie', async () => {
    await signIn(one, hostOne)
    await signIn(two, hostTwo)
    for (const [context, page] of [
      [laptop, one],
      [phone, two],
    ] as const) {
      expect(await page.getByTestId('current-user').textContent()).toBe('Ada Lovelace')
      const cookies = await context.cookies()
      expect(cookies).toEqual([
        expect.objectContaining({ name: 'sid', secure: false, httpOnly: true, sameSite: 'Lax' }),
      ])
    }
  })

  it('shows a flash message once', async () => {
    // The sign-in above left "Welcome back" on /profile of device 1.
    expect(await one.locator('.flash.notice').textContent()).toMatch(/Welcome back, Ada Lovelace/)
    await one.reload()
    expect(await one.locator('.flash').count()).toBe(0)
    expect(await one.getByTestId('username').textContent()).toBe('ada')
  })

  it('keeps the cart in the session across a reload', async () => {
    await one.goto(`${hostOne}/`)
    const gears = one.locator('article[data-sku="gear-set"]')
    await Promise.all([one.waitForURL(`${hostOne}/`), gears.locator('button').click()])
    expect(await one.locator('.flash.notice').textContent()).toBe(
      'Added Brass gear set to your cart.',
    )
    await Promise.all([one.waitForURL(`${hostOne}/`), gears.locator('button').click()])
    expect(await one.locator('.badge').textContent()).toBe('2')

    await one.goto(`${hostOne}/cart`)
    const quantity = one.locator('tr[data-sku="gear-set"] [data-testid="quantity"]')
    expect(await quantity.textContent()).toBe('2')
    await one.reload()
    expect(await quantity.textContent()).toBe('2')
    expect(await one.getByTestId('total').textContent()).toBe('£96.00')
    expect(await one.locator('.flash').count()).toBe(0)
  })

  it("lists both sessions on /devices, the other device's user agent as text", async () => {
    await one.goto(`${hostOne}/devices`)
    const devices = one.getByTestId('device')
    expect(await devices.count()).toBe(2)
    expect(
      await one.locator('[data-testid="device"][data-current="true"] .pill').textContent(),
    ).toBe('This device')
    const other = one.locator('[data-testid="device"]:not([data-current])')
    expect(await other.locator('.name').textContent()).toContain('Firefox 128 on Linux')
    expect(await other.getByTestId('user-agent').textContent()).toBe(HOSTILE_USER_AGENT)
    // The markup in the header stayed text: no script element made it into the page.
    expect(await one.locator('script').count()).toBe(0)
  })

  it('answers 403 to a forged _csrf and changes nothing', async () => {
    await one.goto(`${hostOne}/devices`)
    // What a cross-site form would post: the right field name, a value the attacker made up.
    await one.evaluate(
      `for (const input of document.querySelectorAll('input[name="_csrf"]')) input.value = 'forged-${'x'.repeat(37)}'`,
    )
    const [response] = await Promise.all([
      one.waitForResponse((candidate) => candidate.url().endsWith('/devices/revoke-others')),
      one.waitForURL(`${hostOne}/devices/revoke-others`),
      one.click('button:text("Sign out 1 other device")'),
    ])
    expect(response.status()).toBe(403)
    expect(await one.locator('h1').textContent()).toBe('Form expired')

    await two.goto(`${hostTwo}/profile`)
    expect(two.url()).toBe(`${hostTwo}/profile`)
    expect(await two.getByTestId('current-user').textContent()).toBe('Ada Lovelace')
  })

  it('revoke-others on device 1 signs device 2 out on its next page', async () => {
    await one.goto(`${hostOne}/devices`)
    await Promise.all([
      one.waitForURL(`${hostOne}/devices`),
      one.click('button:text("Sign out 1 other device")'),
    ])
    expect(await one.locator('.flash.notice').textContent()).toBe('Signed out 1 other device.')
    expect(await one.getByTestId('device').count()).toBe(1)

    await two.goto(`${hostTwo}/profile`)
    expect(two.url()).toBe(`${hostTwo}/login?next=%2Fprofile`)
    expect(await two.locator('.flash.alert').textContent()).toBe('Please sign in to continue.')
    expect(await two.locator('.account').textContent()).toContain('Not signed in')

    // Device 1 is still signed in, cart and all.
    await one.goto(`${hostOne}/cart`)
    expect(await one.getByTestId('current-user').textContent()).toBe('Ada Lovelace')
    expect(await one.locator('[data-testid="quantity"]').textContent()).toBe('2')
  })
}

/** The library's default cookie: Chromium keeps a Secure `__Host-` cookie from plain-http localhost and 127.0.0.1. */
function secureCookies() {
  let demo: RunningDemo | undefined
  let browser: Browser | undefined

  beforeAll(async () => {
    demo = await startDemo({ env: { DEMO_SECURE_COOKIES: '1' } })
    browser = await launchChromium()
  }, STARTUP_LIMIT_MS + 30_000)

  afterAll(async () => {
    await browser?.close().catch(() => {})
    await demo?.stop()
  }, 20_000)

  it('signs in on localhost and on 127.0.0.1 with a Secure __Host-sid cookie', async () => {
    if (demo === undefined || browser === undefined) throw new Error('not started')
    for (const base of [demo.url, `http://127.0.0.1:${demo.port}`]) {
      const context = await browser.newContext()
      context.setDefaultTimeout(10_000)
      const page = await context.newPage()
      await signIn(page, base)
      expect(await page.getByTestId('current-user').textContent()).toBe('Ada Lovelace')
      expect(await context.cookies()).toEqual([
        expect.objectContaining({ name: '__Host-sid', secure: true, httpOnly: true }),
      ])
      await context.close()
    }
  })
}
