/**
 * `npm run screenshots`: drives the demo in Debian's Chromium and writes the README's pictures
 * to docs/images/{login,profile,cart,devices}.png. Three devices sign in as ada so the devices
 * page has something to show; each gets a believable User-Agent.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { chromiumInstalled, launchChromium } from './chromium.js'
import { REPO_ROOT, type RunningDemo, startDemo } from './demo-process.js'

const OUT = join(REPO_ROOT, 'docs', 'images')
const VIEWPORT = { width: 1100, height: 760 }

const USER_AGENTS = {
  laptop:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  phone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  desktop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
}

async function device(browser: Browser, userAgent: string): Promise<BrowserContext> {
  const context = await browser.newContext({ userAgent, viewport: VIEWPORT })
  context.setDefaultTimeout(10_000)
  return context
}

async function signIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login`)
  await page.fill('#username', 'ada')
  await page.fill('#password', 'lovelace')
  await Promise.all([page.waitForURL(`${base}/profile`), page.click('button:text("Sign in")')])
}

async function addToCart(page: Page, base: string, sku: string): Promise<void> {
  await Promise.all([
    page.waitForURL(`${base}/`),
    page.locator(`article[data-sku="${sku}"] button`).click(),
  ])
}

async function shoot(page: Page, name: string): Promise<void> {
  const path = join(OUT, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  console.log(`wrote ${path}`)
}

async function main(): Promise<void> {
  if (!chromiumInstalled()) throw new Error('Chromium is not installed at /usr/bin/chromium')
  mkdirSync(OUT, { recursive: true })
  let demo: RunningDemo | undefined
  let browser: Browser | undefined
  try {
    demo = await startDemo()
    browser = await launchChromium()
    const base = demo.url
    const loopback = `http://127.0.0.1:${demo.port}`

    // Two other devices first, so the devices page lists them with earlier activity.
    for (const userAgent of [USER_AGENTS.phone, USER_AGENTS.desktop]) {
      const other = await (await device(browser, userAgent)).newPage()
      await signIn(other, loopback)
    }

    const page = await (await device(browser, USER_AGENTS.laptop)).newPage()
    await page.goto(`${base}/login`)
    await shoot(page, 'login')

    await page.fill('#username', 'ada')
    await page.fill('#password', 'lovelace')
    await Promise.all([page.waitForURL(`${base}/profile`), page.click('button:text("Sign in")')])
    await shoot(page, 'profile')

    await page.goto(`${base}/`)
    for (const sku of ['gear-set', 'gear-set', 'punched-cards', 'rotor']) {
      await addToCart(page, base, sku)
    }
    await page.goto(`${base}/cart`)
    await shoot(page, 'cart')

    await page.goto(`${base}/devices`)
    await shoot(page, 'devices')
  } finally {
    await browser?.close().catch(() => {})
    await demo?.stop()
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
