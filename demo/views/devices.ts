import type { DeviceSession } from '../../src/index.js'
import { describeUserAgent, displayIp } from '../user-agent.js'
import { formatTime, relativeTime } from './format.js'
import { html } from './html.js'
import { laptopIcon, phoneIcon } from './icons.js'
import { csrfField, layout, type ViewContext } from './layout.js'

const MOBILE = new Set(['iOS', 'Android'])

function deviceRow(view: ViewContext, device: DeviceSession, now: number) {
  const { browser, os } = describeUserAgent(device.userAgent)
  const icon = os !== null && MOBILE.has(os) ? phoneIcon : laptopIcon
  const action = device.current
    ? html`<form class="inline" method="post" action="/logout">${csrfField(view)}<button class="secondary" type="submit">Sign out</button></form>`
    : html`<form class="inline" method="post" action="/devices/revoke">${csrfField(view)}<input type="hidden" name="handle" value="${device.handle}"><button class="danger" type="submit">Revoke</button></form>`
  return html`<li class="device" data-testid="device"${device.current ? html` data-current="true"` : null}>
    <div class="device-icon">${icon}</div>
    <div class="what">
      <div class="name">${browser}${os === null ? null : html` on ${os}`}${
        device.current ? html`<span class="pill">This device</span>` : null
      }</div>
      <div class="meta">
        <span data-testid="ip">${displayIp(device.ip)}</span> ·
        signed in <time datetime="${device.createdAt.toISOString()}">${formatTime(device.createdAt)}</time> ·
        last seen <time datetime="${device.lastSeenAt.toISOString()}" title="${formatTime(device.lastSeenAt)}">${relativeTime(device.lastSeenAt, now)}</time>
      </div>
      <div class="ua" data-testid="user-agent" title="${device.userAgent ?? ''}">${device.userAgent ?? 'No User-Agent sent'}</div>
    </div>
    ${action}
  </li>`
}

export function devicesPage(view: ViewContext, devices: readonly DeviceSession[], now: number) {
  const others = devices.filter((device) => !device.current).length
  const revokeOthers =
    others > 0
      ? html`<form method="post" action="/devices/revoke-others">${csrfField(view)}<button class="danger" type="submit">Sign out ${others} other ${others === 1 ? 'device' : 'devices'}</button></form>`
      : html`<p class="muted">No other device is signed in.</p>`
  return layout(
    view,
    'Devices',
    html`<h1>Your devices</h1>
<p class="lede">Every session signed in as you, most recently used first. Revoke one you do not
recognise: that device is signed out on its next request.</p>
<div class="card">
  <ul class="devices" data-testid="devices" data-count="${devices.length}">${devices.map((device) => deviceRow(view, device, now))}</ul>
</div>
<div class="card">
  <h2>Sign out everywhere else</h2>
  <p class="muted">Keeps you signed in here and ends every other session of yours.</p>
  ${revokeOthers}
</div>`,
  )
}
