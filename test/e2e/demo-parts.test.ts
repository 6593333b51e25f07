/** The demo's pure parts: HTML escaping, User-Agent names, the demo users' sign-in check. */
import { describe, expect, it } from 'vitest'
import { describeUserAgent, deviceLabel, displayIp } from '../../demo/user-agent.js'
import { authenticate, findUser } from '../../demo/users.js'
import { escapeHtml, html, raw } from '../../demo/views/html.js'

describe('html templates', () => {
  it('escapes every interpolation, in text and in attributes', () => {
    const hostile = `<script>alert("x")</script>' & \``
    expect(html`<p title="${hostile}">${hostile}</p>`.toString()).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; &amp; &#96;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; &amp; &#96;</p>',
    )
  })

  it('keeps nested templates and raw markup, renders arrays, drops null and false', () => {
    const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`)
    expect(html`<ul>${items}</ul>${null}${false}${undefined}${raw('<hr>')}${0}`.toString()).toBe(
      '<ul><li>a&lt;b</li><li>c</li></ul><hr>0',
    )
  })

  it('escapeHtml leaves plain text alone', () => {
    expect(escapeHtml('Ada Lovelace')).toBe('Ada Lovelace')
  })
})

describe('user agents', () => {
  it.each([
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Chrome 131 on macOS',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      'Edge 131 on Windows',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
      'Safari 18 on iOS',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
      'Chrome 131 on Android',
    ],
    [
      'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
      'Firefox 133 on Linux',
    ],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36',
      'Headless Chrome 156 on Linux',
    ],
    ['curl/7.88.1', 'curl 7.88'],
    ['node', 'Node.js'],
    ['something else', 'Unknown browser'],
  ])('%s is "%s"', (userAgent, label) => {
    expect(deviceLabel(userAgent)).toBe(label)
  })

  it('names a missing User-Agent', () => {
    expect(describeUserAgent(null)).toEqual({ browser: 'Unknown browser', os: null })
  })

  it('shows an IPv4 client of a dual-stack socket as IPv4', () => {
    expect(displayIp('::ffff:192.0.2.7')).toBe('192.0.2.7')
    expect(displayIp('::1')).toBe('::1')
    expect(displayIp(null)).toBe('unknown')
  })
})

describe('demo users', () => {
  it('signs in ada and alan with their passwords, and no one else', () => {
    expect(authenticate('ada', 'lovelace')?.id).toBe('user-ada')
    expect(authenticate(' Alan ', 'turing')?.id).toBe('user-alan')
    expect(authenticate('ada', 'turing')).toBeNull()
    expect(authenticate('ada', 'lovelace ')).toBeNull()
    expect(authenticate('grace', 'hopper')).toBeNull()
    expect(authenticate(undefined, 'lovelace')).toBeNull()
  })

  it('never hands out a password', () => {
    expect(Object.keys(findUser('user-ada') ?? {})).not.toContain('password')
    expect(findUser('user-nobody')).toBeNull()
  })
})
