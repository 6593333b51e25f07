/**
 * A readable name for a User-Agent header ("Chrome 131 on macOS"). Good enough for a devices
 * page; the raw header is shown next to it for anything this gets wrong.
 * @module
 */

export interface DeviceName {
  browser: string
  os: string | null
}

// Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
const BROWSERS: ReadonlyArray<[name: string, pattern: RegExp]> = [
  ['Edge', /\bEdg(?:e|A|iOS)?\/(\d+)/],
  ['Opera', /\b(?:OPR|Opera)\/(\d+)/],
  ['Samsung Internet', /\bSamsungBrowser\/(\d+)/],
  ['Headless Chrome', /\bHeadlessChrome\/(\d+)/],
  ['Chromium', /\bChromium\/(\d+)/],
  ['Chrome', /\b(?:Chrome|CriOS)\/(\d+)/],
  ['Firefox', /\b(?:Firefox|FxiOS)\/(\d+)/],
  ['Safari', /\bVersion\/(\d+)(?:[.\d]*) (?:Mobile\/\S+ )?Safari\//],
  ['curl', /^curl\/(\d+(?:\.\d+)?)/],
  ['Node.js', /^node(?:\/(\d+))?/],
  ['undici', /^undici(?:\/(\d+))?/],
]

const SYSTEMS: ReadonlyArray<[name: string, pattern: RegExp]> = [
  ['iOS', /\b(?:iPhone|iPad|iPod)\b/],
  ['Android', /\bAndroid\b/],
  ['ChromeOS', /\bCrOS\b/],
  ['Windows', /\bWindows\b/],
  ['macOS', /\bMac OS X\b|\bMacintosh\b/],
  ['Linux', /\bLinux\b/],
]

/** The browser and operating system a User-Agent names; "Unknown browser" when it is absent. */
export function describeUserAgent(userAgent: string | null): DeviceName {
  if (!userAgent) return { browser: 'Unknown browser', os: null }
  const os = SYSTEMS.find(([, pattern]) => pattern.test(userAgent))?.[0] ?? null
  for (const [name, pattern] of BROWSERS) {
    const match = pattern.exec(userAgent)
    if (match) return { browser: match[1] ? `${name} ${match[1]}` : name, os }
  }
  return { browser: 'Unknown browser', os }
}

/** "Chrome 131 on macOS". */
export function deviceLabel(userAgent: string | null): string {
  const { browser, os } = describeUserAgent(userAgent)
  return os === null ? browser : `${browser} on ${os}`
}

/** An IPv4 client seen through a dual-stack socket shows as ::ffff:1.2.3.4; show 1.2.3.4. */
export function displayIp(ip: string | null): string {
  if (!ip) return 'unknown'
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip
}
